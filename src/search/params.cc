// The read path: query parameters -> store::ListQuery, once, at the edge (search.html#2.1.1).
// Handles modifiers, OR (commas) and AND (repeats), chains (subject:Patient.name=...), reverse
// chains (_has:Observation:patient:code=...), and the result parameters Kiln supports so far.
#include <charconv>

#include "search/kind.h"

namespace kiln::search {

namespace {

struct Ctx {
  const Registry& registry;
  const core::Model& model;
  std::string_view base_url;
};

// Splits a value at unescaped commas and removes the escapes (search.html#escaping).
std::vector<std::string> SplitValues(std::string_view value) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size() && (value[i + 1] == ',' || value[i + 1] == '$')) {
      out.back().push_back(value[++i]);
    } else if (value[i] == ',') {
      out.emplace_back();
    } else {
      out.back().push_back(value[i]);
    }
  }
  return out;
}

// Splits at unescaped '$' (composite values, search.html#composite).
std::vector<std::string> SplitComponents(std::string_view value) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size() && value[i + 1] == '$') {
      out.back().push_back(value[++i]);
    } else if (value[i] == '$') {
      out.emplace_back();
    } else {
      out.back().push_back(value[i]);
    }
  }
  return out;
}

Error Unknown(std::string_view type, std::string_view name) {
  return Error::At(Issue::kNotSupported, std::string(name),
                   "Unknown search parameter '" + std::string(name) + "' for " + std::string(type));
}

Result<store::Clause> ParseClause(const Ctx& ctx, std::string_view type, std::string_view name,
                                  std::string_view value, int depth);

// `def`'s values are those of `members` (a union's, or a root composite's components'): a
// member replaced by a custom parameter breaks that.
Result<> CheckMembers(const Ctx& ctx, std::string_view type, const ParamDef& def,
                      const std::vector<const ParamDef*>& members) {
  for (const ParamDef* member : members) {
    if (ctx.registry.Find(type, member->code) != member) {
      return Error::At(Issue::kNotSupported, def.code,
                       "Search parameter '" + def.code + "' is not available while '" + member->code +
                           "' is redefined by a custom SearchParameter");
    }
  }
  return Ok{};
}

// The parameter codes whose index rows hold `def`'s values: its own, or for a union parameter
// (ParamDef::union_of) its members'.
Result<std::vector<std::string>> IndexedAs(const Ctx& ctx, std::string_view type, const ParamDef& def) {
  if (def.union_of.empty()) return std::vector<std::string>{def.code};
  KILN_TRY(CheckMembers(ctx, type, def, def.union_of));
  std::vector<std::string> codes;
  for (const ParamDef* member : def.union_of) codes.push_back(member->code);
  return codes;
}

// "code-value-quantity=http://loinc.org|8480-6$lt60": each comma-separated value is one
// predicate whose components must match within one group of the resource's values; for a
// union composite (combo-code-value-quantity), one such predicate per member.
Result<store::Clause> ParseComposite(const Ctx& ctx, std::string_view type, const ParamDef& def,
                                     std::string_view value) {
  std::vector<const ParamDef*> indexed{&def};
  if (!def.union_of.empty()) {
    KILN_TRY(CheckMembers(ctx, type, def, def.union_of));
    indexed = def.union_of;
  }
  KILN_TRY(CheckMembers(ctx, type, def, def.components_as));
  store::Clause clause;
  for (const std::string& v : SplitValues(value)) {
    std::vector<std::string> parts = SplitComponents(v);
    if (parts.size() != def.components.size()) {
      return BadValue(def, v,
                      "expected " + std::to_string(def.components.size()) + " components separated by '$'");
    }
    for (const ParamDef* as : indexed) {
      store::Predicate p;
      p.param = as->code;
      for (size_t i = 0; i < parts.size(); ++i) {
        const ParamDef& component = *as->components[i];
        const Kind* kind = KindFor(component.type);
        if (kind == nullptr) return BadValue(def, v, "unsupported component type");
        KILN_TRY_ASSIGN(store::Predicate c, kind->Compile(component, "", parts[i], ctx.base_url));
        if (!as->components_as.empty()) c.param = as->components_as[i]->code;
        p.components.push_back(std::move(c));
      }
      p.same_group = as->components_as.empty();
      clause.any_of.push_back(std::move(p));
    }
  }
  return clause;
}

// "subject:Patient.name" with value v: references whose target matches `name=v` on the target.
Result<store::Clause> ParseChain(const Ctx& ctx, const ParamDef& def, std::string_view modifier,
                                 std::string_view rest, std::string_view value, int depth) {
  if (def.type != ParamType::kReference) {
    return Error::At(Issue::kInvalid, def.code, "Only reference parameters can be chained, not " + def.code);
  }
  std::vector<std::string> targets;
  if (!modifier.empty()) {
    targets.emplace_back(modifier);
  } else {
    targets = def.targets;
  }
  store::Clause clause;
  for (const std::string& target : targets) {
    if (!ctx.model.FindResourceType(target)) continue;
    auto inner = ParseClause(ctx, target, rest, value, depth + 1);
    if (!inner) {
      if (targets.size() == 1) return inner.error();
      continue;  // the chained parameter does not exist on this target type
    }
    auto query = std::make_shared<store::IndexQuery>();
    query->type = target;
    query->all_of.push_back(std::move(inner).value());
    store::Predicate p;
    p.kind = store::IndexKind::kReference;
    p.param = def.code;
    p.chain = std::move(query);
    clause.any_of.push_back(std::move(p));
  }
  if (clause.any_of.empty()) {
    return Error::At(Issue::kInvalid, def.code + "." + std::string(rest),
                     "No target type of " + def.code + " has a search parameter '" + std::string(rest) + "'");
  }
  return clause;
}

Result<store::Clause> ParseClause(const Ctx& ctx, std::string_view type, std::string_view name,
                                  std::string_view value, int depth) {
  if (depth > 4) return Error::At(Issue::kNotSupported, std::string(name), "Chains are limited to 4 levels");
  size_t dot = name.find('.');
  std::string_view head = name.substr(0, dot);
  size_t colon = head.find(':');
  std::string_view code = head.substr(0, colon);
  std::string_view modifier = colon == std::string_view::npos ? std::string_view() : head.substr(colon + 1);
  const ParamDef* def = ctx.registry.Find(type, code);
  if (def == nullptr) return Unknown(type, code);
  if (dot != std::string_view::npos)
    return ParseChain(ctx, *def, modifier, name.substr(dot + 1), value, depth);

  if (def->type == ParamType::kComposite && def->compiled && modifier.empty()) {
    return ParseComposite(ctx, type, *def, value);
  }
  if (ctx.registry.TextSearchable(*def)) {
    store::Clause clause;
    for (const std::string& v : SplitValues(value)) {
      KILN_TRY_ASSIGN(store::Predicate p, CompileText(*def, modifier, v));
      clause.any_of.push_back(std::move(p));
    }
    return clause;
  }
  const Kind* kind = KindFor(def->type);
  if (kind == nullptr || !def->compiled) {
    return Error::At(Issue::kNotSupported, std::string(name),
                     "Search parameter '" + def->code + "' is not supported yet");
  }
  KILN_TRY_ASSIGN(std::vector<std::string> indexed_as, IndexedAs(ctx, type, *def));
  store::Clause clause;
  if (modifier == "missing") {
    if (value != "true" && value != "false") return BadValue(*def, value, ":missing takes true or false");
    // Missing means no value under any of the codes it is indexed as: NOT (any present).
    for (const std::string& code : indexed_as) {
      store::Predicate p;
      p.kind = static_cast<store::IndexKind>(static_cast<int>(def->type));
      p.param = code;
      p.missing = false;
      clause.any_of.push_back(std::move(p));
    }
    clause.negate = value == "true";
    return clause;
  }
  if (modifier == "not") {
    if (def->type != ParamType::kToken) return BadValue(*def, value, ":not applies to token parameters");
    clause.negate = true;
  }
  for (const std::string& v : SplitValues(value)) {
    if (v.empty()) return BadValue(*def, value, "empty value");
    KILN_TRY_ASSIGN(store::Predicate p, kind->Compile(*def, modifier, v, ctx.base_url));
    if (def->union_of.empty()) {
      clause.any_of.push_back(std::move(p));
      continue;
    }
    // A kind may index a modifier under a derived code ("<code>:of-type"): keep the suffix.
    std::string suffix = p.param.starts_with(def->code) ? p.param.substr(def->code.size()) : std::string();
    for (const std::string& code : indexed_as) {
      p.param = code + suffix;
      clause.any_of.push_back(p);
    }
  }
  return clause;
}

// "_has:Observation:patient:code" = v: resources referenced by an Observation's `patient` whose
// code matches v.
Result<store::ReverseChain> ParseHas(const Ctx& ctx, std::string_view name, std::string_view value,
                                     int depth) {
  std::string_view rest = name.substr(5);
  size_t c1 = rest.find(':');
  size_t c2 = c1 == std::string_view::npos ? c1 : rest.find(':', c1 + 1);
  if (c2 == std::string_view::npos) {
    return Error::At(Issue::kInvalid, std::string(name), "_has takes _has:Type:reference:parameter");
  }
  std::string type(rest.substr(0, c1));
  std::string param(rest.substr(c1 + 1, c2 - c1 - 1));
  std::string_view inner = rest.substr(c2 + 1);
  if (!ctx.model.FindResourceType(type)) return Unknown(type, name);
  const ParamDef* ref = ctx.registry.Find(type, param);
  if (ref == nullptr || ref->type != ParamType::kReference) return Unknown(type, param);
  auto query = std::make_shared<store::IndexQuery>();
  query->type = type;
  if (inner.starts_with("_has:")) {
    KILN_TRY_ASSIGN(store::ReverseChain nested, ParseHas(ctx, inner, value, depth + 1));
    query->has.push_back(std::move(nested));
  } else {
    KILN_TRY_ASSIGN(store::Clause clause, ParseClause(ctx, type, inner, value, depth + 1));
    query->all_of.push_back(std::move(clause));
  }
  return store::ReverseChain{type, param, std::move(query)};
}

Result<store::TimeInterval> LastUpdated(std::string_view value) {
  ParamDef def;
  def.code = "_lastUpdated";
  def.type = ParamType::kDate;
  KILN_TRY_ASSIGN(store::Predicate p, KindFor(ParamType::kDate)->Compile(def, "", value, ""));
  const store::DateValue& r = p.range;
  store::TimeInterval t;
  switch (p.cmp) {
    case store::Cmp::kEq:
    case store::Cmp::kAp:
      t.start = r.start, t.end = r.end;
      break;
    case store::Cmp::kNe:
      t.start = r.start, t.end = r.end, t.negate = true;
      break;
    case store::Cmp::kGt:
    case store::Cmp::kSa:
      t.start = r.end;
      break;
    case store::Cmp::kGe:
      t.start = r.start;
      break;
    case store::Cmp::kLt:
    case store::Cmp::kEb:
      t.end = r.start;
      break;
    case store::Cmp::kLe:
      t.end = r.end;
      break;
  }
  return t;
}

// "Encounter:subject[:Patient]" (after `_include=` or `_revinclude=`).
Result<Include> ParseInclude(const Ctx& ctx, std::string_view name, std::string_view value) {
  Include inc;
  std::string_view modifier = name.find(':') == std::string_view::npos ? "" : name.substr(name.find(':') + 1);
  if (!modifier.empty() && modifier != "iterate" && modifier != "recurse") {
    return Error::At(Issue::kNotSupported, std::string(name), "Unknown modifier :" + std::string(modifier));
  }
  inc.iterate = !modifier.empty();
  size_t c1 = value.find(':');
  if (c1 == std::string_view::npos) {
    return Error::At(Issue::kInvalid, std::string(name),
                     std::string(name) + " takes Type:parameter[:TargetType]");
  }
  inc.source_type = std::string(value.substr(0, c1));
  std::string_view rest = value.substr(c1 + 1);
  size_t c2 = rest.find(':');
  inc.param = std::string(rest.substr(0, c2));
  if (c2 != std::string_view::npos) inc.target_type = std::string(rest.substr(c2 + 1));
  if (!ctx.model.FindResourceType(inc.source_type)) return Unknown(inc.source_type, value);
  if (inc.param != "*") {
    const ParamDef* def = ctx.registry.Find(inc.source_type, inc.param);
    if (def == nullptr || def->type != ParamType::kReference) {
      return Error::At(Issue::kInvalid, std::string(name),
                       "'" + inc.param + "' is not a reference parameter of " + inc.source_type);
    }
  }
  if (inc.target_type && !ctx.model.FindResourceType(*inc.target_type))
    return Unknown(*inc.target_type, value);
  return inc;
}

Result<int> Count(std::string_view name, std::string_view value) {
  int n = -1;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || p != value.data() + value.size() || n < 0) {
    return Error::At(Issue::kInvalid, std::string(name),
                     std::string(name) + " must be a non-negative integer, not '" + std::string(value) + "'");
  }
  return n;
}

}  // namespace

Result<ParsedSearch> Parse(const Registry& registry, const core::Model& model, const core::ResourceType& type,
                           const Params& params, Handling handling, std::string_view base_url,
                           int default_count, int max_count) {
  Ctx ctx{registry, model, base_url};
  ParsedSearch s;
  store::ListQuery& q = s.query;
  q.type = std::string(type.name());
  q.index.type = q.type;
  q.count = default_count;
  auto skip = [&](Error e) -> Result<Ok> {
    if (handling == Handling::kStrict) return e;
    s.ignored.push_back(std::move(e));
    return Ok{};
  };
  for (const auto& [name, value] : params) {
    if (name == "_format" || name == "_pretty") continue;
    if (name == "_cursor") {
      q.cursor = value;
    } else if (name == "_count") {
      KILN_TRY_ASSIGN(int n, Count(name, value));
      q.count = std::min(n, max_count);
      s.used.emplace_back(name, std::to_string(q.count));
    } else if (name == "_total") {
      if (value != "none" && value != "estimate" && value != "accurate") {
        return Error::At(Issue::kInvalid, "_total", "_total must be none, estimate or accurate");
      }
      q.with_total = value != "none";
      s.used.emplace_back(name, value);
    } else if (name == "_summary") {
      if (value == "count") {
        q.count = 0;
        q.with_total = true;
      } else if (value == "true" || value == "text" || value == "data" || value == "false") {
        s.summary = value;
      } else {
        return Error::At(Issue::kInvalid, "_summary", "_summary must be true, text, data, count or false");
      }
      s.used.emplace_back(name, value);
    } else if (name == "_elements") {
      for (std::string& e : SplitValues(value)) {
        if (!e.empty()) s.elements.push_back(std::move(e));
      }
      s.used.emplace_back(name, value);
    } else if (name == "_sort") {
      for (std::string& key : SplitValues(value)) {
        store::SortKey k;
        k.descending = key.starts_with("-");
        k.param = k.descending ? key.substr(1) : key;
        if (k.param != "_id" && k.param != "_lastUpdated") {
          const ParamDef* def = registry.Find(q.type, k.param);
          const Kind* kind = def ? KindFor(def->type) : nullptr;
          if (kind == nullptr || !def->compiled) {
            KILN_TRY(skip(
                Error::At(Issue::kNotSupported, "_sort", "Cannot sort " + q.type + " by '" + k.param + "'")));
            continue;
          }
          k.kind = static_cast<store::IndexKind>(static_cast<int>(def->type));
          if (!def->union_of.empty()) {
            k.param = def->union_of.front()->code;
            for (size_t i = 1; i < def->union_of.size(); ++i) k.also.push_back(def->union_of[i]->code);
          }
        }
        q.sort.push_back(std::move(k));
      }
      s.used.emplace_back(name, value);
    } else if (name == "_id") {
      if (!q.ids.empty()) {
        return Error::At(Issue::kNotSupported, "_id", "_id may be given once (use commas for alternatives)");
      }
      for (std::string& id : SplitValues(value)) q.ids.push_back(std::move(id));
      s.used.emplace_back(name, value);
    } else if (name == "_lastUpdated") {
      KILN_TRY_ASSIGN(store::TimeInterval t, LastUpdated(value));
      q.last_updated.push_back(t);
      s.used.emplace_back(name, value);
    } else if (name == "_include" || name.starts_with("_include:") || name == "_revinclude" ||
               name.starts_with("_revinclude:")) {
      KILN_TRY_ASSIGN(Include inc, ParseInclude(ctx, name, value));
      (name.starts_with("_include") ? s.includes : s.revincludes).push_back(std::move(inc));
      s.used.emplace_back(name, value);
    } else if (name.starts_with("_has:")) {
      auto has = ParseHas(ctx, name, value, 0);
      if (!has) {
        if (has.error().issue != Issue::kNotSupported) return has.error();
        KILN_TRY(skip(has.error()));
        continue;
      }
      q.index.has.push_back(std::move(has).value());
      s.used.emplace_back(name, value);
    } else {
      auto clause = ParseClause(ctx, q.type, name, value, 0);
      if (!clause) {
        if (clause.error().issue != Issue::kNotSupported) return clause.error();
        KILN_TRY(skip(clause.error()));
        continue;
      }
      q.index.all_of.push_back(std::move(clause).value());
      s.used.emplace_back(name, value);
    }
  }
  return s;
}

Result<Ok> AddCompartment(const Registry& registry, std::string_view compartment_type,
                          std::string_view compartment_id, ParsedSearch& parsed) {
  const std::vector<std::string>* params = registry.CompartmentParams(compartment_type, parsed.query.type);
  if (params == nullptr) {
    return Error::Make(Issue::kNotFound, parsed.query.type + " is not in the " +
                                             std::string(compartment_type) + " compartment");
  }
  store::Clause clause;
  for (const std::string& code : *params) {
    const ParamDef* def = registry.Find(parsed.query.type, code);
    if (def == nullptr || !def->compiled) continue;
    store::Predicate p;
    p.kind = store::IndexKind::kReference;
    p.param = code;
    p.target_type = std::string(compartment_type);
    if (!compartment_id.empty()) p.target_id = std::string(compartment_id);
    clause.any_of.push_back(std::move(p));
  }
  parsed.query.index.all_of.push_back(std::move(clause));
  return Ok{};
}

}  // namespace kiln::search
