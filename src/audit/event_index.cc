// EventIndexer (event_index.h): most of an audited read's cost was evaluating every AuditEvent
// search parameter's FHIRPath on its event (docs/audit.md, "Throughput").
#include "audit/event_index.h"

#include <algorithm>
#include <array>
#include <set>

namespace kiln::audit {

namespace {

constexpr size_t kMaxShapes = 4096;  // the cache is dropped beyond, rather than grow without end

// The members in which events of one shape differ (EventJson).
constexpr std::array<std::string_view, 4> kPerEventMembers = {"id", "meta", "recorded", "extension"};

// Whether a parameter reading `reads` (fhirpath::MembersRead's names: "name", "_name", or a
// choice's "value" for valueXxx) may read a member that differs between events of one shape.
bool ReadsPerEventMember(const std::optional<std::vector<std::string>>& reads) {
  if (!reads) return true;  // not known: assume it does
  for (std::string_view r : *reads) {
    if (r.starts_with('_')) r.remove_prefix(1);
    for (std::string_view m : kPerEventMembers) {
      if (m.starts_with(r)) return true;
    }
  }
  return false;
}

}  // namespace

void EventIndexer::Refresh() {
  std::vector<const search::ParamDef*> defs = registry_.Indexed(type_.name());
  if (defs == defs_) return;
  defs_ = std::move(defs);
  by_shape_.clear();
  per_event_.clear();
  // Full-text rows (_text, _content) hold every string, the per-event ones too.
  const search::ParamDef* content = registry_.Find(type_.name(), "_content");
  cacheable_ = content == nullptr || !registry_.TextSearchable(*content);
  std::set<std::string> codes;
  for (const search::ParamDef* def : defs_) {
    if (!ReadsPerEventMember(def->reads)) continue;
    // ExtractParams does not do composites, nor parameters sharing a code with another.
    if (def->type == search::ParamType::kComposite || !codes.insert(def->code).second) cacheable_ = false;
    per_event_.push_back(def->code);
  }
}

std::vector<store::IndexEntry> EventIndexer::Rows(const json::Value& event, const std::string& shape,
                                                  std::string_view base_url) {
  Refresh();
  if (!cacheable_) return search::Extract(registry_, model_, type_, event, base_url);
  std::string key = shape;
  key += '\n';
  key += base_url;
  auto it = by_shape_.find(key);
  if (it == by_shape_.end()) {
    if (by_shape_.size() >= kMaxShapes) by_shape_.clear();
    std::vector<store::IndexEntry> shared = search::Extract(registry_, model_, type_, event, base_url);
    std::erase_if(shared, [&](const store::IndexEntry& e) {
      return std::find(per_event_.begin(), per_event_.end(), e.param) != per_event_.end();
    });
    it = by_shape_.emplace(std::move(key), std::move(shared)).first;
  }
  std::vector<store::IndexEntry> rows = it->second;
  std::vector<store::IndexEntry> own =
      search::ExtractParams(registry_, model_, type_, event, base_url, per_event_);
  rows.insert(rows.end(), std::make_move_iterator(own.begin()), std::make_move_iterator(own.end()));
  return rows;
}

}  // namespace kiln::audit
