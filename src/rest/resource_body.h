// Turning a request body into a resource ready to store: content type, JSON, resourceType,
// validation against the model, the R4 raw-Binary rule; then the exact bytes Kiln stores, with
// id and meta set by the server.
#pragma once

#include <string>

#include "core/json.h"
#include "core/model.h"
#include "core/time.h"
#include "rest/context.h"

namespace kiln::rest {

struct IncomingResource {
  core::ResourceType type;
  json::Document doc;
  std::string text;  // the JSON text the document was parsed from
};

// Parses and validates the body of a create/update on `url_type`. A body whose Content-Type is
// not FHIR JSON is accepted only for Binary, and becomes a Binary with that contentType
// (hl7.org/fhir/R4/binary.html#rest). Every problem is reported (400/415).
// `url_id` is the id in the URL of an update, empty for a create.
Expected<IncomingResource, Errors> ParseResource(const Context& ctx, const Request& req,
                                                 const core::ResourceType& url_type, std::string_view url_id);
// The JSON half of ParseResource: `text` must be a valid resource of `url_type`. Bundle entries,
// which carry their resources as JSON, go through this directly, with `utf8_checked`: their text
// is part of a body whose encoding was checked when it was parsed whole.
Expected<IncomingResource, Errors> ParseResourceText(const Context& ctx, std::string text,
                                                     const core::ResourceType& url_type,
                                                     bool utf8_checked = false);
// An update must carry the id of its URL in the body (400 when it is missing or differs).
Result<Ok> CheckBodyId(const IncomingResource& in, std::string_view id);

// The checks of ParseResource after the JSON is parsed: a resource of `url_type`, valid for the
// model. `text` is the JSON `doc` was parsed from (or written from).
Expected<IncomingResource, Errors> CheckResource(const Context& ctx, const core::ResourceType& url_type,
                                                 json::Document doc, std::string text);

// The stored form: resourceType, id and meta (versionId and lastUpdated set, other meta kept)
// first, then every other member of the client's JSON byte-exact but minified.
std::string StoredJson(const IncomingResource& r, std::string_view id, int64_t version, Micros last_updated);

// A new server-assigned logical id: a UUID whose leading bits are the time (UUIDv7), so ids
// created together sit together in the indexes.
std::string NewResourceId(Micros now);
// hl7.org/fhir/R4/datatypes.html#id: [A-Za-z0-9\-\.]{1,64}
bool IsValidId(std::string_view id);

}  // namespace kiln::rest
