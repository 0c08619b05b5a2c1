// The functions FHIR adds to FHIRPath (hl7.org/fhir/R4/fhirpath.html#functions): extension,
// hasValue, getValue, resolve, conformsTo, and hasExtension, which R4 search parameters use.
// Terminology and profile functions are refused at compile time.
#include "core/fhirpath/functions.h"
#include "core/fhirpath/navigate.h"
#include "core/fhirpath/types.h"

namespace kiln::fhirpath {

namespace {

Result<std::optional<std::string_view>> UrlArg(const Call& c, Buffer& tmp) {
  KILN_TRY_ASSIGN(const Item* url, c.SingleArg(0, tmp));
  if (url == nullptr) return std::optional<std::string_view>();
  Value v = ValueOf(*url);
  if (v.type != SysType::kString) return c.Fail("the url must be a String");
  return std::optional<std::string_view>(v.text);
}

bool HasUrl(const Item& extension, std::string_view url) {
  return extension.node() != nullptr && extension.node()->IsObject() &&
         json::GetString(*extension.node(), "url") == url;
}

Result<Ok> Extension(const Call& c) {
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(auto url, UrlArg(c, tmp));
  if (!url) return Ok{};
  for (const Item& item : c.input) {
    ForEachChild(c.env, item, "extension", [&](Item&& e) {
      if (HasUrl(e, *url)) c.out.push_back(std::move(e));
    });
  }
  return Ok{};
}

Result<Ok> HasExtension(const Call& c) {
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(auto url, UrlArg(c, tmp));
  if (!url) return Ok{};
  bool found = false;
  for (const Item& item : c.input) {
    ForEachChild(c.env, item, "extension", [&](Item&& e) { found = found || HasUrl(e, *url); });
  }
  c.out.push_back(Item::Boolean(found));
  return Ok{};
}

bool HasPrimitiveValue(const Item& item) {
  return item.is_node() && item.type() != nullptr && item.type()->kind == core::TypeKind::kPrimitive &&
         item.node() != nullptr;
}

Result<Ok> HasValue(const Call& c) {
  c.out.push_back(Item::Boolean(c.input.size() == 1 && HasPrimitiveValue(c.input[0])));
  return Ok{};
}

Result<Ok> GetValue(const Call& c) {
  if (c.input.size() == 1 && HasPrimitiveValue(c.input[0])) c.out.push_back(ToItem(ValueOf(c.input[0])));
  return Ok{};
}

// The reference a Reference node or a string holds.
std::string_view ReferenceText(const Item& item) {
  Value v = ValueOf(item);
  if (v.type == SysType::kString) return v.text;
  if (item.is_node() && item.node() != nullptr && item.node()->IsObject() && item.type() != nullptr &&
      item.type()->name == "Reference") {
    return json::GetString(*item.node(), "reference");
  }
  return {};
}

const json::Value* FindById(const json::Value* resources, std::string_view id, const char* wrapper) {
  if (resources == nullptr || !resources->IsArray()) return nullptr;
  for (const json::Value& r : resources->GetArray()) {
    const json::Value* resource = wrapper != nullptr ? json::Find(r, wrapper) : &r;
    if (resource != nullptr && resource->IsObject() && json::GetString(*resource, "id") == id)
      return resource;
  }
  return nullptr;
}

// In a Bundle, the entry whose fullUrl is the reference, or whose resource is Type/id.
const json::Value* FindInBundle(const json::Value& bundle, std::string_view ref, std::string_view type,
                                std::string_view id) {
  const json::Value* entries = json::Find(bundle, "entry");
  if (entries == nullptr || !entries->IsArray()) return nullptr;
  for (const json::Value& e : entries->GetArray()) {
    const json::Value* r = json::Find(e, "resource");
    if (r == nullptr || !r->IsObject()) continue;
    if (json::GetString(e, "fullUrl") == ref ||
        (!type.empty() && json::GetString(*r, "resourceType") == type && json::GetString(*r, "id") == id)) {
      return r;
    }
  }
  return nullptr;
}

// resolve() without a database: "#id" finds a contained resource, a Bundle finds its entries, and
// any other "[base/]Type/id[/_history/v]" yields a stand-in of that type with no content, enough
// for `resolve() is Patient` and ofType(Patient).
void Resolve(const Call& c, std::string_view ref) {
  const json::Value& root = *c.env.resource.node();
  if (ref.starts_with('#')) {
    const json::Value* found =
        ref.size() == 1 ? &root : FindById(json::Find(root, "contained"), ref.substr(1), nullptr);
    if (found != nullptr) {
      if (auto item = ResourceItem(c.env.model, *found)) c.out.push_back(std::move(*item));
    }
    return;
  }
  if (size_t h = ref.find("/_history/"); h != std::string_view::npos) ref = ref.substr(0, h);
  std::string_view type, id;
  if (size_t slash = ref.rfind('/'); slash != std::string_view::npos && slash > 0) {
    id = ref.substr(slash + 1);
    std::string_view head = ref.substr(0, slash);
    type = head.substr(head.rfind('/') + 1);
  }
  if (c.env.resource.type_name() == "Bundle") {
    if (const json::Value* r = FindInBundle(root, ref, type, id)) {
      if (auto item = ResourceItem(c.env.model, *r)) c.out.push_back(std::move(*item));
      return;
    }
  }
  const core::TypeDef* t = c.env.model.FindType(type);
  if (t != nullptr && t->kind == core::TypeKind::kResource && !t->is_abstract && !id.empty()) {
    c.out.push_back(Item::Node(nullptr, nullptr, t, nullptr));
  }
}

Result<Ok> ResolveFn(const Call& c) {
  for (const Item& item : c.input) {
    std::string_view ref = ReferenceText(item);
    if (!ref.empty()) Resolve(c, ref);
  }
  return Ok{};
}

// Only the core profiles can be checked without a profile registry.
Result<Ok> ConformsTo(const Call& c) {
  constexpr std::string_view kCore = "http://hl7.org/fhir/StructureDefinition/";
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(auto url, UrlArg(c, tmp));
  KILN_TRY_ASSIGN(const Item* item, c.SingleInput());
  if (!url || item == nullptr) return Ok{};
  const core::TypeDef* type =
      url->starts_with(kCore) ? c.env.model.FindType(url->substr(kCore.size())) : nullptr;
  if (type == nullptr)
    return Error::Make(Issue::kNotSupported,
                       "FHIRPath: conformsTo() knows no profile '" + std::string(*url) + "'");
  c.out.push_back(Item::Boolean(IsOfType(c.env, *item, ResolvedType{type, SysType::kNone})));
  return Ok{};
}

constexpr std::string_view kTerminology = "it needs a terminology service";
constexpr std::string_view kProfiles = "it needs profile definitions";

constexpr FunctionDef kFunctions[] = {
    {"extension", 1, 1, Extension},
    {"hasExtension", 1, 1, HasExtension},
    {"hasValue", 0, 0, HasValue},
    {"getValue", 0, 0, GetValue},
    {"resolve", 0, 0, ResolveFn},
    {"conformsTo", 1, 1, ConformsTo},
    {"memberOf", 1, 1, kTerminology},
    {"subsumes", 1, 1, kTerminology},
    {"subsumedBy", 1, 1, kTerminology},
    {"htmlChecks", 0, 0, "Kiln does not check narrative XHTML"},
    {"htmlchecks", 0, 0, "Kiln does not check narrative XHTML"},
    {"elementDefinition", 0, 0, kProfiles},
    {"slice", 2, 2, kProfiles},
    {"checkModifiers", 1, 1, kProfiles},
};

}  // namespace

std::span<const FunctionDef> FhirFunctions() { return kFunctions; }

}  // namespace kiln::fhirpath
