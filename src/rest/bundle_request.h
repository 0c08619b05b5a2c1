// The body of POST [base] (hl7.org/fhir/R4/http.html#transaction): a Bundle of type batch or
// transaction, read into one EntryRequest per entry. Entry resources are kept as the exact JSON
// text the client sent.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rest/context.h"

namespace kiln::rest {

struct EntryRequest {
  size_t index = 0;
  std::string method;  // GET, HEAD, POST, PUT, PATCH, DELETE
  std::string path;    // request.url below the base, without the query: "Patient/1", "Patient"
  std::string query;   // request.url after '?', still encoded
  // For writes: the resource type and id the URL names (the id empty for POST and conditional
  // forms). Set when `invalid` is not.
  std::optional<core::ResourceType> type;
  std::string id;
  std::string full_url;
  std::string resource;     // the entry's resource as JSON text, empty when absent (PATCH: the patch)
  std::string resource_id;  // its id, if any
  std::string if_none_exist, if_match, if_none_match, if_modified_since;
  // Why this entry cannot be processed (an unknown type, a URL that does not fit the method or
  // the resource). A transaction fails on it; a batch answers it in the entry's response.
  std::optional<Error> invalid;

  bool IsWrite() const { return method != "GET" && method != "HEAD"; }
  // "Bundle.entry[3]": where problems with this entry are reported.
  std::string Where() const;
};

struct BundleRequest {
  bool transaction = false;
  std::vector<EntryRequest> entries;
};

// Reads the request body. Problems with the Bundle as a whole, or with an entry's shape (no
// request, no method or url), are 400 naming the entry in issue.expression.
Expected<BundleRequest, Errors> ReadBundleRequest(const Call& call);

}  // namespace kiln::rest
