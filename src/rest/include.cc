#include "rest/include.h"

#include <set>

namespace kiln::rest {

namespace {

constexpr int kMaxRounds = 4;          // :iterate depth
constexpr size_t kMaxIncluded = 1000;  // per page

using Seen = std::set<store::ResourceRef>;

Result<Ok> Forward(const Call& call, const search::Include& inc, const std::vector<store::Version>& from,
                   Seen& seen, std::vector<store::Version>& added) {
  std::vector<std::string> ids;
  for (const auto& v : from) {
    if (v.type == inc.source_type) ids.push_back(v.id);
  }
  if (ids.empty()) return Ok{};
  std::vector<std::string> params;
  if (inc.param != "*") params.push_back(inc.param);
  KILN_TRY_ASSIGN(auto refs, call.ctx.store.References(call.req.tenant, inc.source_type, ids, params));
  std::vector<store::ResourceRef> wanted;
  for (auto& r : refs) {
    if (inc.target_type && r.type != *inc.target_type) continue;
    if (seen.insert(r).second) wanted.push_back(std::move(r));
  }
  KILN_TRY_ASSIGN(auto versions, call.ctx.store.ReadMany(call.req.tenant, wanted, false));
  for (auto& v : versions) added.push_back(std::move(v));
  return Ok{};
}

Result<Ok> Reverse(const Call& call, const search::Include& inc, const std::vector<store::Version>& to,
                   Seen& seen, std::vector<store::Version>& added) {
  store::Clause clause;
  for (const auto& v : to) {
    if (inc.target_type && v.type != *inc.target_type) continue;
    store::Predicate p;
    p.kind = store::IndexKind::kReference;
    p.param = inc.param;
    p.target_type = v.type;
    p.target_id = v.id;
    clause.any_of.push_back(std::move(p));
  }
  if (clause.any_of.empty()) return Ok{};
  store::ListQuery q;
  q.type = inc.source_type;
  q.index.type = inc.source_type;
  q.index.all_of.push_back(std::move(clause));
  q.count = static_cast<int>(kMaxIncluded);
  q.with_total = false;
  KILN_TRY_ASSIGN(auto page, call.ctx.store.List(call.req.tenant, q));
  for (auto& v : page.items) {
    if (seen.insert({v.type, v.id}).second) added.push_back(std::move(v));
  }
  return Ok{};
}

}  // namespace

Result<std::vector<store::Version>> Included(const Call& call, const search::ParsedSearch& search,
                                             const std::vector<store::Version>& matches) {
  std::vector<store::Version> out;
  if (search.includes.empty() && search.revincludes.empty()) return out;
  Seen seen;
  for (const auto& v : matches) seen.insert({v.type, v.id});
  std::vector<store::Version> current = matches;
  for (int round = 0; round < kMaxRounds && !current.empty() && out.size() < kMaxIncluded; ++round) {
    std::vector<store::Version> added;
    for (const auto& inc : search.includes) {
      if (round == 0 || inc.iterate) KILN_TRY(Forward(call, inc, current, seen, added));
    }
    for (const auto& inc : search.revincludes) {
      if (round == 0 || inc.iterate) KILN_TRY(Reverse(call, inc, current, seen, added));
    }
    for (const auto& v : added) out.push_back(v);
    current = std::move(added);
  }
  if (out.size() > kMaxIncluded) out.resize(kMaxIncluded);
  return out;
}

}  // namespace kiln::rest
