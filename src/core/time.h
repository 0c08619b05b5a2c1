// Time for FHIR and HTTP: instants as microseconds since the Unix epoch (UTC), FHIR date/dateTime
// parsing into half-open ranges (a partial date like "2013-01" covers the whole month), and
// HTTP-date formatting for Last-Modified / If-Modified-Since (RFC 9110 section 5.6.7).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiln {

using Micros = int64_t;  // microseconds since 1970-01-01T00:00:00Z

// A source of "now", an interface so tests can fix the time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros Now() const = 0;
};
class SystemClock final : public Clock {
 public:
  Micros Now() const override;
};

// "2026-11-22T03:05:00.123456Z": FHIR instant with microsecond precision (trailing zeros kept
// to three digits at least, as servers conventionally emit milliseconds or finer).
std::string FormatInstant(Micros t);

// [start, end) in microseconds covered by a FHIR date, dateTime or instant. A value without a
// timezone is taken as UTC. nullopt when the text is not a valid FHIR date/dateTime/instant.
struct TimeRange {
  Micros start;
  Micros end;
};
std::optional<TimeRange> ParseFhirDateTime(std::string_view text);

// "Sun, 22 Nov 2026 03:05:00 GMT" and back (seconds precision, as HTTP dates have).
std::string FormatHttpDate(Micros t);
std::optional<Micros> ParseHttpDate(std::string_view text);

}  // namespace kiln
