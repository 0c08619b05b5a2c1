// Search (hl7.org/fhir/R4/search.html), driven by the official SearchParameter definitions:
// the Registry knows every parameter per resource type; Extract computes a resource's index rows
// on write by evaluating each parameter's FHIRPath expression; Parse turns query parameters
// into a store::ListQuery once, at the edge. One file per parameter kind (kind_<type>.cc) holds
// both directions for that kind. Search writes no SQL; the store knows no FHIRPath.
//
// Thread-safety: a Registry is shared by const& and may be read from any thread; its custom
// parameters are swapped under a lock when SearchParameter resources change (SetCustom). Each
// tenant has a registry of its own (Overlay), sharing the core parameters, so that a tenant's
// SearchParameters apply to that tenant only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/fhirpath/fhirpath.h"
#include "core/json.h"
#include "core/model.h"
#include "core/result.h"
#include "store/types.h"

namespace kiln::search {

enum class ParamType { kString, kToken, kReference, kDate, kNumber, kQuantity, kUri, kComposite, kSpecial };

// One SearchParameter as it applies to one resource type.
struct ParamDef {
  std::string url;
  std::string code;
  ParamType type = ParamType::kToken;
  std::string base;        // the resource type (or "Resource"/"DomainResource")
  std::string expression;  // this type's branch of the expression
  std::optional<fhirpath::Expression> compiled;
  // The resource's top-level members the expression can index values from (fhirpath::MembersRead),
  // nullopt if not known: a resource with none of them present needs no evaluation.
  std::optional<std::vector<std::string>> reads;
  std::vector<std::string> targets;  // reference targets
  // Composite parameters: each component as a parameter of its own (code "<code>$<i>", url the
  // SearchParameter that defines it), its expression relative to each item the composite's
  // expression selects.
  std::vector<std::shared_ptr<const ParamDef>> components;
  // Set when this parameter's expression is exactly the union (`a | b`) of other parameters'
  // expressions of the same type (R4's Observation combo-* parameters): its values are theirs,
  // so it is not indexed itself and searches ask those parameters instead.
  std::vector<const ParamDef*> union_of;
  // Set for a composite over the resource itself (R4's Observation code-value-* parameters,
  // whose expression is "Observation"): each resource is its one item, so a resource matches
  // when each component matches the parameter it is defined by (`components[i]->url`), here
  // in the same order. Its values are theirs, so it is not indexed itself.
  std::vector<const ParamDef*> components_as;
};

class Registry {
 public:
  // The R4 core parameters compiled into the binary (data/r4/search-parameters.json).
  static Result<std::unique_ptr<Registry>> LoadEmbedded(const core::Model& model);
  static Result<std::unique_ptr<Registry>> LoadFromJson(const core::Model& model, std::string_view json_text);
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The parameter `code` of `type`, including those defined on Resource and DomainResource.
  const ParamDef* Find(std::string_view type, std::string_view code) const;
  // Every parameter of `type` that has an expression to index (core and custom).
  std::vector<const ParamDef*> Indexed(std::string_view type) const;
  // Every parameter code of `type` (for the CapabilityStatement), sorted.
  std::vector<const ParamDef*> All(std::string_view type) const;
  // The reference parameters that put a `type` resource in a compartment (Patient, Encounter,
  // RelatedPerson, Practitioner, Device) per the R4 CompartmentDefinitions; nullptr if none.
  const std::vector<std::string>* CompartmentParams(std::string_view compartment,
                                                    std::string_view type) const;
  // How many expressions failed to compile at load (such parameters are not searchable).
  int uncompiled() const;

  // A registry with this one's core parameters and compartments (shared, not copied) and no
  // custom parameters: one per tenant. Either may outlive the other.
  std::unique_ptr<Registry> Overlay() const;

  // _text and _content, which R4 defines without expressions: the narrative's words and every
  // string of the resource, full-text indexed (kind_text.cc). They cost a full-text row on
  // every write (about a third of create throughput), so they are searchable only once enabled
  // (kiln serve --text-search); existing resources then need $reindex.
  void EnableTextSearch() { text_search_ = true; }
  bool text_search() const { return text_search_; }
  // `def` is _text or _content and text search is on.
  bool TextSearchable(const ParamDef& def) const;

  // Custom SearchParameter resources (hl7.org/fhir/R4/searchparameter.html): CheckCustom says
  // whether one can be used (code, base, a supported type, an expression that compiles); SetCustom
  // replaces the custom set (those that fail CheckCustom are skipped). New writes index them;
  // existing resources need $reindex.
  Result<Ok> CheckCustom(const json::Value& search_parameter) const;
  void SetCustom(const std::vector<std::string>& search_parameter_json) const;

 private:
  struct Core;  // the definitions compiled into the binary; immutable once loaded
  explicit Registry(std::shared_ptr<const Core> core) : core_(std::move(core)) {}
  std::shared_ptr<const Core> core_;
  bool text_search_ = false;  // copied into overlays

  // Custom parameters. Definitions are never freed (pointers to them may be in use), only
  // dropped from the maps; they change rarely.
  mutable std::shared_mutex custom_mu_;
  mutable std::vector<std::unique_ptr<ParamDef>> custom_defs_;  // GUARDED_BY(custom_mu_)
  mutable std::map<std::pair<std::string, std::string>, const ParamDef*, std::less<>>
      custom_by_type_code_;  // GUARDED_BY(custom_mu_)
  // The type of a custom parameter's definition URL, for a composite's components.
  using CustomTypes = std::function<std::optional<ParamType>(std::string_view url)>;
  Result<std::vector<std::unique_ptr<ParamDef>>> Custom(const json::Value& sp,
                                                        const CustomTypes& custom_type_of) const;
};

// The index rows of a resource: every indexed parameter of its type, evaluated.
// `base_url` lets absolute references to this server index as local ones.
std::vector<store::IndexEntry> Extract(const Registry& registry, const core::Model& model,
                                       const core::ResourceType& type, const json::Value& resource,
                                       std::string_view base_url);

// The index rows of the (not composite) parameters `codes` of `type` only: for the audit log,
// which needs a resource's compartment references and nothing else.
std::vector<store::IndexEntry> ExtractParams(const Registry& registry, const core::Model& model,
                                             const core::ResourceType& type, const json::Value& resource,
                                             std::string_view base_url,
                                             const std::vector<std::string>& codes);

using Params = std::vector<std::pair<std::string, std::string>>;

enum class Handling { kLenient, kStrict };

// _include=Source:param[:Target] and _revinclude=Source:param[:Target], with :iterate
// (search.html#include). `param` "*" means every reference parameter.
struct Include {
  std::string source_type;
  std::string param;
  std::optional<std::string> target_type;
  bool iterate = false;
};

struct ParsedSearch {
  store::ListQuery query;
  std::vector<Include> includes;
  std::vector<Include> revincludes;
  std::string summary;                // _summary: "", "true", "text", "data", "false"
  std::vector<std::string> elements;  // _elements
  Params used;                        // parameters applied, canonical, for the self link
  std::vector<Error> ignored;         // unknown or unsupported parameters skipped (lenient)
};

// Parses search parameters for `type`. Under kStrict, anything unknown or unsupported is a 400.
Result<ParsedSearch> Parse(const Registry& registry, const core::Model& model, const core::ResourceType& type,
                           const Params& params, Handling handling, std::string_view base_url,
                           int default_count, int max_count);

// Restricts `parsed` to the compartment of `compartment_type`/`compartment_id`
// (hl7.org/fhir/R4/compartmentdefinition.html): resources that reference the compartment owner
// through one of the compartment's parameters; with an empty `compartment_id`, resources in the
// compartment of any `compartment_type` resource (Patient-level bulk export). kNotFound when the
// type is not in the compartment.
Result<Ok> AddCompartment(const Registry& registry, std::string_view compartment_type,
                          std::string_view compartment_id, ParsedSearch& parsed);

}  // namespace kiln::search
