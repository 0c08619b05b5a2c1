#include "rest/query.h"

#include "core/text.h"
#include "rest/authorize.h"

namespace kiln::rest {

bool IsResultParam(std::string_view name) {
  name = name.substr(0, name.find(':'));  // _include:iterate
  return name == "_cursor" || name == "_count" || name == "_total" || name == "_summary" || name == "_sort" ||
         name == "_include" || name == "_revinclude" || name == "_elements";
}

Result<Params> SearchParams(const Request& req) {
  Params params = req.query;
  if (req.method == "POST") {
    std::string_view ct = req.Header("Content-Type");
    if (ct.substr(0, ct.find(';')) != "application/x-www-form-urlencoded") {
      return Error::Make(Issue::kNotSupported,
                         "POST _search takes application/x-www-form-urlencoded parameters", 415);
    }
    for (auto& p : ParseQueryString(req.body)) params.push_back(std::move(p));
  }
  return params;
}

Params ParseQueryString(std::string_view query) {
  Params params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    if (!part.empty()) {
      size_t eq = part.find('=');
      params.emplace_back(UrlDecode(part.substr(0, eq), true), eq == std::string_view::npos
                                                                   ? std::string()
                                                                   : UrlDecode(part.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

Result<std::vector<std::string>> ParseTypeList(const core::Model& model, std::string_view value) {
  std::vector<std::string> types;
  for (size_t pos = 0; pos <= value.size();) {
    size_t comma = value.find(',', pos);
    std::string t(value.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    if (!model.FindResourceType(t))
      return Error::At(Issue::kInvalid, "_type", "Unknown resource type '" + t + "' in _type");
    types.push_back(std::move(t));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return types;
}

Params ParseIfNoneExist(std::string_view criteria) {
  if (size_t q = criteria.find('?'); q != std::string_view::npos) criteria.remove_prefix(q + 1);
  return ParseQueryString(criteria);
}

search::Handling HandlingFrom(const Request& req) {
  return req.Header("Prefer").find("handling=strict") != std::string_view::npos ? search::Handling::kStrict
                                                                                : search::Handling::kLenient;
}

Result<std::vector<std::string>> MatchIds(const Call& call, const core::ResourceType& type,
                                          const Params& params, int limit) {
  Params criteria;
  for (const auto& [name, value] : params) {
    if (name == "_format" || name == "_pretty") continue;  // shape the response, not the match
    if (IsResultParam(name)) {
      return Error::At(Issue::kInvalid, name,
                       "'" + name + "' is not a criterion for a conditional interaction");
    }
    criteria.emplace_back(name, value);
  }
  if (criteria.empty()) {
    return Error::Make(Issue::kInvalid, "A conditional interaction needs search criteria", 412);
  }
  KILN_TRY_ASSIGN(search::ParsedSearch s,
                  search::Parse(call.ctx.registry, call.ctx.model, type, criteria, search::Handling::kStrict,
                                call.req.base_url, limit, limit));
  s.query.count = limit;
  s.query.with_total = false;
  // auth: the criteria are a search, so they need s, within what the access allows.
  KILN_TRY(LimitSearch(call, Permission::kSearch, s));
  KILN_TRY_ASSIGN(store::ListPage page, call.ctx.store.List(call.req.tenant, s.query));
  std::vector<std::string> ids;
  for (const auto& v : page.items) ids.push_back(v.id);
  return ids;
}

Result<std::optional<std::string>> MatchOne(const Call& call, const core::ResourceType& type,
                                            const Params& criteria, std::string_view what,
                                            const std::set<std::string>& exclude) {
  KILN_TRY_ASSIGN(std::vector<std::string> ids,
                  MatchIds(call, type, criteria, 2 + static_cast<int>(exclude.size())));
  std::erase_if(ids, [&](const std::string& id) { return exclude.contains(id); });
  if (ids.size() > 1) {
    return Error::Make(Issue::kDuplicate,
                       std::string(what) + " matched more than one " + std::string(type.name()));
  }
  if (ids.empty()) return std::optional<std::string>();
  return std::optional<std::string>(ids.front());
}

}  // namespace kiln::rest
