// Security labels (docs/security.md): resources labelled restricted (R) or very restricted (V)
// in meta.security (and DocumentReference.securityLabel), with the v3 Confidentiality codes
// (hl7.org/fhir/R4/v3/Confidentiality/cs.html), are invisible to an access that may not see
// them: reads answer 404, searches, includes, $everything and $export leave them out (in the
// query itself, so totals and pages are right). Private to src/rest/.
#pragma once

#include <string>
#include <vector>

#include "rest/hooks.h"
#include "store/store.h"

namespace kiln::rest {

// The confidentiality codes (of "R", "V") the access may not see; empty when it sees them all.
std::vector<std::string> HiddenConfidentiality(const Access& access);

// Whether the stored version carries a label the access may not see.
bool HiddenByLabel(const Access& access, const store::Version& v);
bool HiddenByLabel(const Access& access, std::string_view json);

// Narrows `query` (of resources of `type`) to what the access may see: to resources without a
// label of `hidden` (HiddenConfidentiality).
void HideLabelled(const Access& access, std::string_view type, store::IndexQuery& query);
void HideConfidentiality(const std::vector<std::string>& hidden, std::string_view type,
                         store::IndexQuery& query);

// Whether the index rows of a version about to be written give it a label the access may not see.
bool WritesHiddenLabel(const Access& access, const store::WriteOp& op);

}  // namespace kiln::rest
