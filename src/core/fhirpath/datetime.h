// System.Date, System.DateTime and System.Time (hl7.org/fhirpath/N1/#datetime): parsing the FHIR
// JSON forms and the literal forms, comparison with partial precision, calendar arithmetic and
// the boundary functions. Values are kept as their text in Items and parsed here when needed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiln::fhirpath {

enum class TemporalKind : uint8_t { kDate, kDateTime, kTime };

// Precision levels, coarsest first. Seconds and milliseconds compare as one level.
enum class Precision : uint8_t { kYear = 1, kMonth, kDay, kHour, kMinute, kSecond, kMillisecond };

struct Temporal {
  TemporalKind kind = TemporalKind::kDateTime;
  Precision precision = Precision::kYear;
  int year = 0, month = 1, day = 1;  // unused for kTime
  int hour = 0, minute = 0, second = 0, millis = 0;
  bool has_tz = false;
  bool tz_z = false;   // written "Z" rather than "+00:00"
  int tz_minutes = 0;  // offset east of UTC
};

// Parses "2014", "2014-01-05", "2014-01-05T10:30:00.123+01:00", "10:30" (for kTime) and the like:
// the FHIR JSON forms, plus the partial times FHIRPath literals allow ("2014-01-05T10"). A date
// with a time is refused for kDate, and a date for kTime.
std::optional<Temporal> ParseTemporal(std::string_view text, TemporalKind kind);
std::string FormatTemporal(const Temporal& t);

// <0, 0, >0; nullopt when precision leaves the order open (@2018-03 vs @2018-03-01). Dates and
// date-times compare with each other; a value without a timezone is taken as UTC.
// REQUIRES: both are times, or neither is.
std::optional<int> CompareTemporal(const Temporal& a, const Temporal& b);
bool SamePrecision(const Temporal& a, const Temporal& b);

enum class CalendarUnit : uint8_t {
  kNone,
  kYear,
  kMonth,
  kWeek,
  kDay,
  kHour,
  kMinute,
  kSecond,
  kMillisecond
};
// "year", "years", ... "milliseconds" -> unit; anything else -> kNone.
CalendarUnit CalendarUnitNamed(std::string_view keyword);
// The UCUM code that stands for the same definite duration: "wk" for kWeek, "a" for kYear.
std::string_view UcumCodeOf(CalendarUnit unit);
// "d" -> kDay ... the UCUM codes date arithmetic accepts; "a" and "mo" are not definite durations
// and give kNone.
CalendarUnit CalendarUnitOfUcum(std::string_view code);

// t + amount units (amount may be negative). Units finer than t's precision are converted to it.
std::optional<Temporal> AddDuration(const Temporal& t, int64_t amount, CalendarUnit unit);

// Number of digits the value is precise to (@2014 -> 4, @T10:30 -> 4, milliseconds -> 17 or 9).
int PrecisionDigits(const Temporal& t);
// The earliest/latest value within t's precision, expressed to `digits` (lowBoundary(8) of
// @2014-01-01T08 is 2014-01-01); nullopt for a digit count that is no precision of the kind.
std::optional<Temporal> TemporalBoundary(const Temporal& t, int digits, bool high);

// The current time as a DateTime in UTC with millisecond precision.
Temporal TemporalFromMicros(int64_t micros_since_epoch);

}  // namespace kiln::fhirpath
