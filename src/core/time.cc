#include "core/time.h"

#include <chrono>
#include <cstdio>
#include <cstring>

namespace kiln {

namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};
Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

constexpr Micros kSecond = 1'000'000;
constexpr Micros kDay = 86'400 * kSecond;

// Reads exactly n digits at text[pos]; nullopt if they are not all digits.
std::optional<int> Digits(std::string_view text, size_t pos, size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

Micros Floor(Micros a, Micros b) { return (a / b - (a % b < 0 ? 1 : 0)) * b; }

}  // namespace

Micros SystemClock::Now() const {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {
// Writes `v` as `width` decimal digits at `out`, zero-padded.
void PutDigits(char* out, unsigned v, int width) {
  for (int i = width - 1; i >= 0; --i, v /= 10) out[i] = static_cast<char>('0' + v % 10);
}
}  // namespace

std::string FormatInstant(Micros t) {
  Micros day_start = Floor(t, kDay);
  Civil c = CivilFromDays(day_start / kDay);
  Micros in_day = t - day_start;
  auto secs = static_cast<unsigned>(in_day / kSecond);
  auto micros = static_cast<unsigned>(in_day % kSecond);
  char buf[64];
  if (c.y >= 0 && c.y <= 9999) {
    // Every stored version's lastUpdated is formatted: digits by hand, snprintf cost ~3,800
    // instructions a call.
    std::memcpy(buf, "0000-00-00T00:00:00.000000Z", 28);
    PutDigits(buf, static_cast<unsigned>(c.y), 4);
    PutDigits(buf + 5, c.m, 2);
    PutDigits(buf + 8, c.d, 2);
    PutDigits(buf + 11, secs / 3600, 2);
    PutDigits(buf + 14, secs / 60 % 60, 2);
    PutDigits(buf + 17, secs % 60, 2);
    PutDigits(buf + 20, micros, 6);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%06uZ", static_cast<long long>(c.y), c.m,
                  c.d, secs / 3600, secs / 60 % 60, secs % 60, micros);
  }
  std::string s(buf);
  // Keep at least milliseconds; drop trailing zeros beyond them.
  size_t dot = s.find('.');
  size_t last = s.size() - 2;  // before 'Z'
  while (last > dot + 3 && s[last] == '0') --last;
  s.erase(last + 1, s.size() - 2 - last);
  return s;
}

std::optional<TimeRange> ParseFhirDateTime(std::string_view text) {
  auto year = Digits(text, 0, 4);
  if (!year) return std::nullopt;
  if (text.size() == 4) {
    Micros s = DaysFromCivil(*year, 1, 1) * kDay;
    return TimeRange{s, DaysFromCivil(*year + 1, 1, 1) * kDay};
  }
  if (text.size() < 7 || text[4] != '-') return std::nullopt;
  auto month = Digits(text, 5, 2);
  if (!month || *month < 1 || *month > 12) return std::nullopt;
  if (text.size() == 7) {
    Micros s = DaysFromCivil(*year, *month, 1) * kDay;
    return TimeRange{s, s + DaysInMonth(*year, *month) * kDay};
  }
  if (text.size() < 10 || text[7] != '-') return std::nullopt;
  auto day = Digits(text, 8, 2);
  if (!day || *day < 1 || static_cast<unsigned>(*day) > DaysInMonth(*year, *month)) return std::nullopt;
  Micros day_start = DaysFromCivil(*year, *month, *day) * kDay;
  if (text.size() == 10) return TimeRange{day_start, day_start + kDay};
  if (text[10] != 'T') return std::nullopt;
  auto hh = Digits(text, 11, 2);
  if (!hh || *hh > 23 || text.size() < 16 || text[13] != ':') return std::nullopt;
  auto mm = Digits(text, 14, 2);
  if (!mm || *mm > 59) return std::nullopt;
  size_t pos = 16;
  Micros t = day_start + (*hh * 3600LL + *mm * 60LL) * kSecond;
  Micros precision = 60 * kSecond;
  if (pos < text.size() && text[pos] == ':') {
    auto ss = Digits(text, pos + 1, 2);
    if (!ss || *ss > 60) return std::nullopt;
    t += *ss * kSecond;
    precision = kSecond;
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      Micros frac = 0, scale = kSecond;
      size_t digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (digits < 6) {
          scale /= 10;
          frac += (text[pos] - '0') * scale;
        }
        ++digits;
        ++pos;
      }
      if (digits == 0) return std::nullopt;
      t += frac;
      precision = digits >= 6 ? 1 : scale;
    }
  }
  if (pos == text.size()) return TimeRange{t, t + precision};  // no zone: UTC
  if (text[pos] == 'Z' && pos + 1 == text.size()) return TimeRange{t, t + precision};
  if ((text[pos] == '+' || text[pos] == '-') && pos + 6 == text.size() && text[pos + 3] == ':') {
    auto oh = Digits(text, pos + 1, 2);
    auto om = Digits(text, pos + 4, 2);
    if (!oh || !om || *oh > 14 || *om > 59) return std::nullopt;
    Micros offset = (*oh * 3600LL + *om * 60LL) * kSecond;
    t += text[pos] == '+' ? -offset : offset;
    return TimeRange{t, t + precision};
  }
  return std::nullopt;
}

std::string FormatHttpDate(Micros t) {
  static constexpr const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Micros day_start = Floor(t, kDay);
  int64_t days = day_start / kDay;
  Civil c = CivilFromDays(days);
  int secs = static_cast<int>((t - day_start) / kSecond);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02d:%02d:%02d GMT", kDays[((days % 7) + 7) % 7], c.d,
                kMonths[c.m - 1], static_cast<long long>(c.y), secs / 3600, secs / 60 % 60, secs % 60);
  return buf;
}

std::optional<Micros> ParseHttpDate(std::string_view text) {
  // IMF-fixdate only: "Sun, 06 Nov 1994 08:49:37 GMT" (the form every current client sends).
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (text.size() != 29 || text.substr(25) != " GMT") return std::nullopt;
  auto d = Digits(text, 5, 2);
  size_t m = kMonths.find(text.substr(8, 3));
  auto y = Digits(text, 12, 4);
  auto hh = Digits(text, 17, 2);
  auto mm = Digits(text, 20, 2);
  auto ss = Digits(text, 23, 2);
  if (!d || m == std::string_view::npos || m % 3 != 0 || !y || !hh || !mm || !ss) return std::nullopt;
  unsigned month = static_cast<unsigned>(m / 3 + 1);
  if (*d < 1 || static_cast<unsigned>(*d) > DaysInMonth(*y, month)) return std::nullopt;
  return DaysFromCivil(*y, month, *d) * kDay + (*hh * 3600LL + *mm * 60LL + *ss) * kSecond;
}

}  // namespace kiln
