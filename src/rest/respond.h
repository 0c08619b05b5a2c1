// Responses that carry one resource version: status, ETag, Last-Modified, Location and the body
// chosen by `Prefer: return=` (hl7.org/fhir/R4/http.html#ops).
#pragma once

#include <string>

#include "rest/bundle.h"
#include "rest/context.h"
#include "store/types.h"

namespace kiln::rest {

// "{base}/{type}/{id}" and "{base}/{type}/{id}/_history/{version}".
std::string ResourceUrl(const Request& req, std::string_view type, std::string_view id);
std::string VersionUrl(const Request& req, const store::Version& v);

// Adds `versions` to a searchset with search.mode `mode` ("match", "include"), as stored.
void AddSearchEntries(BundleWriter& bundle, const Request& req, const std::vector<store::Version>& versions,
                      std::string_view mode);

// The current version of `type`/`id` as a read may serve it to the call's access, or what a read
// answers instead: 404 for an unknown resource, 410 for a deleted one (DeletedResponse), and 404
// for one a security label hides from the access (rest/labels.h), as if it did not exist.
Expected<store::Version, Response> ReadVisible(const Call& call, std::string_view type,
                                               const std::string& id);
// A read: the stored bytes, ETag and Last-Modified.
Response ReadResponse(const Call& call, const store::Version& v);
// 410 Gone for a deleted resource, with the ETag of its deletion.
Response DeletedResponse(const Call& call, const store::Version& v);
// After a write: `status` (200/201), Location for 201 (or whenever `location` is set), and the
// body per Prefer.
Response WriteResponse(const Call& call, int status, const store::Version& v, std::string_view what,
                       bool location = false);

}  // namespace kiln::rest
