// Assembles Bundle JSON (hl7.org/fhir/R4/bundle.html) by concatenation, so stored resource
// bytes go into entries as they are, without being parsed or re-serialized.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace kiln::rest {

struct BundleEntry {
  std::string full_url;
  std::string resource;                     // raw resource JSON, empty for none
  std::string search_mode;                  // "match", "include", "outcome" or empty
  std::string request_method, request_url;  // history
  std::string response_status, response_location, response_etag;
  std::optional<Micros> response_last_modified;
  std::string response_outcome;  // raw OperationOutcome JSON, empty for none
};

class BundleWriter {
 public:
  BundleWriter(std::string_view type, std::string id, Micros now);
  void SetTotal(int64_t total) { total_ = total; }
  void AddLink(std::string_view relation, std::string_view url);
  // The paging links of a page at `self` with `params`: self, and next (the same parameters and
  // `_cursor`) when `next_cursor` is set.
  void AddPageLinks(const std::string& self, const std::vector<std::pair<std::string, std::string>>& params,
                    const std::optional<std::string>& next_cursor);
  void AddEntry(const BundleEntry& entry);
  std::string Finish() const;

 private:
  std::string type_, id_;
  Micros now_;
  std::optional<int64_t> total_;
  std::string links_;
  std::string entries_;
};

// Percent-encodes one query component (RFC 3986 unreserved characters stay as they are).
std::string UrlEncode(std::string_view s);
// "a=1&b=2" from pairs, each part encoded.
std::string EncodeQuery(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace kiln::rest
