// Test-only: FHIR XML (hl7.org/fhir/R4/xml.html) to FHIR JSON, as far as the official patch test
// cases need it. The model decides what the XML cannot say: which elements repeat (JSON arrays),
// which primitives are JSON booleans and numbers, and the children of backbone elements. Covered:
// resources, complex and backbone elements, choice elements, primitives with `id` and extensions
// (the "_name" siblings), `url` and `id` attributes, and the XHTML narrative (kept as its XML text).
#pragma once

#include <pugixml.hpp>

#include <string>

#include "core/json.h"
#include "core/model.h"

namespace kiln::core::testing {

// The resource whose root element is `resource` (e.g. <Patient xmlns="http://hl7.org/fhir">).
Result<json::Document> FhirXmlToJson(const Model& model, const pugi::xml_node& resource);

// The XML text of an element exactly as pugixml writes it, for XHTML narrative.
std::string XmlText(const pugi::xml_node& node);

}  // namespace kiln::core::testing
