// A Bulk Data client for HTTP-level tests (hl7.org/fhir/uv/bulkdata/export.html, v2), as a
// client drives an export: kick-off, polling the status URL, downloading the manifest's files.
// Checks what every export must satisfy on the way (status codes, headers, ndjson lines, counts)
// and fails the test where it does not.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/test_server.h"

namespace kiln::testing {

// One entry of a manifest's output, copied out of the document.
struct ExportOutputFile {
  std::string type, url;
  int64_t count = -1;
};
struct ExportManifest {
  std::string transaction_time, request;
  bool requires_access_token = true;
  std::vector<ExportOutputFile> output;
  size_t errors = 99;
};

ExportManifest ManifestOf(const HttpResponse& res);
// An ndjson body's lines (fails the test when the last one has no newline).
std::vector<std::string> SplitLines(const std::string& body);

// The exported resources of one type: id -> the line, as downloaded.
using ExportLines = std::map<std::string, std::string>;

// Exports through one FHIR base: `client` sends the requests, `base_url` is the base it is at
// (the URLs the server hands out start with it).
class ExportClient {
 public:
  ExportClient(const FhirClient& client, std::string base_url)
      : client_(client), base_url_(std::move(base_url)) {}

  // The path below the FHIR base of a URL the server handed out.
  std::string PathOf(const std::string& url) const;
  // Kicks off an export (GET, or POST with `body`) and returns the status path (fails the test
  // unless 202).
  std::string KickOff(const std::string& path, const std::string& body = "") const;
  // Polls until the job completes and returns its manifest.
  ExportManifest Complete(const std::string& status_path) const;
  // Downloads every file of `m`: type -> id -> line. Checks each line and the file counts.
  std::map<std::string, ExportLines> Download(const ExportManifest& m) const;

 private:
  const FhirClient& client_;
  std::string base_url_;
};

std::set<std::string> IdsOf(const ExportLines& lines);
// meta.lastUpdated of `type`/`id` as a read serves it: a `_since` value.
std::string LastUpdatedOf(const FhirClient& client, const std::string& type, const std::string& id);
std::set<std::string> TypesOf(const ExportManifest& m);

}  // namespace kiln::testing
