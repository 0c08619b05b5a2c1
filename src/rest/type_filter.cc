#include "rest/type_filter.h"

#include <cctype>

#include "rest/query.h"

namespace kiln::rest {

namespace {

// Whether `text` starts with "[resource type]?".
bool StartsWithTypeQuery(const core::Model& model, std::string_view text) {
  size_t question = text.find('?');
  if (question == std::string_view::npos || question == 0) return false;
  if (!std::isupper(static_cast<unsigned char>(text[0]))) return false;
  return model.FindResourceType(text.substr(0, question)).has_value();
}

Error Invalid(std::string_view filter, std::string_view why) {
  return Error::At(Issue::kInvalid, "_typeFilter",
                   "_typeFilter '" + std::string(filter) + "': " + std::string(why));
}

}  // namespace

std::vector<std::string> SplitTypeFilters(const core::Model& model, std::string_view value) {
  std::vector<std::string> filters(1);
  for (size_t pos = 0; pos < value.size(); ++pos) {
    if (value[pos] == ',' && StartsWithTypeQuery(model, value.substr(pos + 1))) {
      filters.emplace_back();
    } else {
      filters.back().push_back(value[pos]);
    }
  }
  return filters;
}

Result<TypeFilter> ParseTypeFilter(const core::Model& model, const search::Registry& registry,
                                   std::string_view filter) {
  size_t question = filter.find('?');
  if (question == std::string_view::npos) return Invalid(filter, "not of the form [type]?[query]");
  auto type = model.FindResourceType(filter.substr(0, question));
  if (!type) return Invalid(filter, "unknown resource type");
  Params params = ParseQueryString(filter.substr(question + 1));
  if (params.empty()) return Invalid(filter, "no search parameters");
  for (const auto& [name, value] : params) {
    if (IsResultParam(name) || name == "_format" || name == "_pretty") {
      return Invalid(filter, "'" + name + "' does not select resources");
    }
  }
  auto parsed = search::Parse(registry, model, *type, params, search::Handling::kStrict, "", 1, 1);
  if (!parsed) return Invalid(filter, parsed.error().diagnostics);
  TypeFilter out;
  out.type = std::string(type->name());
  out.index = std::move(parsed->query.index);
  out.index.ids = std::move(parsed->query.ids);
  out.last_updated = std::move(parsed->query.last_updated);
  return out;
}

}  // namespace kiln::rest
