#include "core/fhirpath/datetime.h"

#include <array>
#include <cstdio>

namespace kiln::fhirpath {

namespace {

constexpr int64_t kMsPerDay = 86'400'000;

bool ReadDigits(std::string_view s, size_t& i, int n, int& out) {
  if (i + static_cast<size_t>(n) > s.size()) return false;
  int v = 0;
  for (int k = 0; k < n; ++k) {
    char c = s[i + static_cast<size_t>(k)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  i += static_cast<size_t>(n);
  out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[static_cast<size_t>(m - 1)];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int& y, int& m, int& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

// hh(:mm(:ss(.fff...)?)?)? into t, raising t.precision as far as the text goes.
bool ParseClock(std::string_view s, size_t& i, Temporal& t) {
  if (!ReadDigits(s, i, 2, t.hour) || t.hour > 23) return false;
  t.precision = Precision::kHour;
  if (i >= s.size() || s[i] != ':') return true;
  ++i;
  if (!ReadDigits(s, i, 2, t.minute) || t.minute > 59) return false;
  t.precision = Precision::kMinute;
  if (i >= s.size() || s[i] != ':') return true;
  ++i;
  if (!ReadDigits(s, i, 2, t.second) || t.second > 59) return false;
  t.precision = Precision::kSecond;
  if (i >= s.size() || s[i] != '.') return true;
  ++i;
  size_t start = i;
  int scale = 100;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10) t.millis += (s[i] - '0') * scale;
  if (i == start) return false;
  t.precision = Precision::kMillisecond;
  return true;
}

bool ParseZone(std::string_view s, size_t& i, Temporal& t) {
  if (i >= s.size()) return true;
  if (s[i] == 'Z') {
    ++i;
    t.has_tz = t.tz_z = true;
    return true;
  }
  if (s[i] != '+' && s[i] != '-') return false;
  int sign = s[i++] == '-' ? -1 : 1, h = 0, m = 0;
  if (!ReadDigits(s, i, 2, h) || i >= s.size() || s[i++] != ':' || !ReadDigits(s, i, 2, m) || h > 14 ||
      m > 59) {
    return false;
  }
  t.has_tz = true;
  t.tz_minutes = sign * (h * 60 + m);
  return true;
}

bool ParseCalendarDate(std::string_view s, size_t& i, Temporal& t) {
  if (!ReadDigits(s, i, 4, t.year)) return false;
  t.precision = Precision::kYear;
  if (i >= s.size() || s[i] != '-') return true;
  ++i;
  if (!ReadDigits(s, i, 2, t.month) || t.month < 1 || t.month > 12) return false;
  t.precision = Precision::kMonth;
  if (i >= s.size() || s[i] != '-') return true;
  ++i;
  if (!ReadDigits(s, i, 2, t.day) || t.day < 1 || t.day > DaysInMonth(t.year, t.month)) return false;
  t.precision = Precision::kDay;
  return true;
}

int64_t LocalMillis(const Temporal& t) {
  int64_t ms = ((t.hour * 60 + t.minute) * 60 + t.second) * 1000 + t.millis;
  if (t.kind == TemporalKind::kTime) return ms;
  return DaysFromCivil(t.year, t.month, t.day) * kMsPerDay + ms;
}

void SetLocalMillis(Temporal& t, int64_t ms) {
  int64_t days = ms / kMsPerDay, rest = ms % kMsPerDay;
  if (rest < 0) {
    rest += kMsPerDay;
    --days;
  }
  if (t.kind != TemporalKind::kTime) CivilFromDays(days, t.year, t.month, t.day);
  t.millis = static_cast<int>(rest % 1000);
  t.second = static_cast<int>(rest / 1000 % 60);
  t.minute = static_cast<int>(rest / 60000 % 60);
  t.hour = static_cast<int>(rest / 3'600'000);
}

// The comparable fields of a value, in UTC when it has a zone and a time of day.
struct Fields {
  std::array<int64_t, 6> v{};
  int levels = 0;
};

Fields FieldsOf(const Temporal& in) {
  Temporal t = in;
  if (t.kind != TemporalKind::kTime && t.has_tz && t.precision >= Precision::kHour) {
    SetLocalMillis(t, LocalMillis(t) - int64_t{t.tz_minutes} * 60'000);
  }
  Fields f;
  int level = std::min(static_cast<int>(t.precision), 6);
  if (t.kind == TemporalKind::kTime) {
    f.v = {t.hour, t.minute, t.second * 1000 + t.millis, 0, 0, 0};
    f.levels = level - 3;
  } else {
    f.v = {t.year, t.month, t.day, t.hour, t.minute, t.second * 1000 + t.millis};
    f.levels = level;
  }
  return f;
}

int64_t UnitMillis(CalendarUnit u) {
  switch (u) {
    case CalendarUnit::kWeek:
      return 7 * kMsPerDay;
    case CalendarUnit::kDay:
      return kMsPerDay;
    case CalendarUnit::kHour:
      return 3'600'000;
    case CalendarUnit::kMinute:
      return 60'000;
    case CalendarUnit::kSecond:
      return 1000;
    case CalendarUnit::kMillisecond:
      return 1;
    default:
      return 0;
  }
}

int64_t PrecisionMillis(Precision p) {
  switch (p) {
    case Precision::kDay:
      return kMsPerDay;
    case Precision::kHour:
      return 3'600'000;
    case Precision::kMinute:
      return 60'000;
    case Precision::kSecond:
      return 1000;
    default:
      return 1;
  }
}

std::optional<Temporal> AddMonths(Temporal t, int64_t months) {
  int64_t total = int64_t{t.year} * 12 + (t.month - 1) + months;
  if (total < 0 || total >= int64_t{10000} * 12) return std::nullopt;
  t.year = static_cast<int>(total / 12);
  t.month = static_cast<int>(total % 12) + 1;
  t.day = std::min(t.day, DaysInMonth(t.year, t.month));
  return t;
}

}  // namespace

std::optional<Temporal> ParseTemporal(std::string_view text, TemporalKind kind) {
  Temporal t;
  t.kind = kind;
  size_t i = 0;
  if (kind == TemporalKind::kTime) {
    if (!ParseClock(text, i, t)) return std::nullopt;
  } else {
    if (!ParseCalendarDate(text, i, t)) return std::nullopt;
    if (i < text.size() && text[i] == 'T' && kind == TemporalKind::kDateTime &&
        t.precision == Precision::kDay) {
      ++i;
      if (!ParseClock(text, i, t) || !ParseZone(text, i, t)) return std::nullopt;
    }
  }
  if (i != text.size()) return std::nullopt;
  return t;
}

std::string FormatTemporal(const Temporal& t) {
  char buf[48];
  int n = 0;
  auto put = [&](const char* fmt, int v) {
    n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), fmt, v);
  };
  if (t.kind != TemporalKind::kTime) {
    put("%04d", t.year);
    if (t.precision >= Precision::kMonth) put("-%02d", t.month);
    if (t.precision >= Precision::kDay) put("-%02d", t.day);
    if (t.kind == TemporalKind::kDate || t.precision < Precision::kHour)
      return std::string(buf, static_cast<size_t>(n));
    buf[n++] = 'T';
  }
  put("%02d", t.hour);
  if (t.precision >= Precision::kMinute) put(":%02d", t.minute);
  if (t.precision >= Precision::kSecond) put(":%02d", t.second);
  if (t.precision >= Precision::kMillisecond) put(".%03d", t.millis);
  if (t.has_tz && t.kind == TemporalKind::kDateTime) {
    if (t.tz_z && t.tz_minutes == 0) {
      buf[n++] = 'Z';
    } else {
      int m = t.tz_minutes < 0 ? -t.tz_minutes : t.tz_minutes;
      n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), "%c%02d:%02d",
                         t.tz_minutes < 0 ? '-' : '+', m / 60, m % 60);
    }
  }
  return std::string(buf, static_cast<size_t>(n));
}

std::optional<int> CompareTemporal(const Temporal& a, const Temporal& b) {
  Fields fa = FieldsOf(a), fb = FieldsOf(b);
  int common = std::min(fa.levels, fb.levels);
  for (int i = 0; i < common; ++i) {
    if (fa.v[static_cast<size_t>(i)] != fb.v[static_cast<size_t>(i)]) {
      return fa.v[static_cast<size_t>(i)] < fb.v[static_cast<size_t>(i)] ? -1 : 1;
    }
  }
  if (fa.levels != fb.levels) return std::nullopt;
  return 0;
}

bool SamePrecision(const Temporal& a, const Temporal& b) { return FieldsOf(a).levels == FieldsOf(b).levels; }

CalendarUnit CalendarUnitNamed(std::string_view k) {
  if (k.ends_with('s')) k.remove_suffix(1);
  if (k == "year") return CalendarUnit::kYear;
  if (k == "month") return CalendarUnit::kMonth;
  if (k == "week") return CalendarUnit::kWeek;
  if (k == "day") return CalendarUnit::kDay;
  if (k == "hour") return CalendarUnit::kHour;
  if (k == "minute") return CalendarUnit::kMinute;
  if (k == "second") return CalendarUnit::kSecond;
  if (k == "millisecond") return CalendarUnit::kMillisecond;
  return CalendarUnit::kNone;
}

std::string_view UcumCodeOf(CalendarUnit unit) {
  switch (unit) {
    case CalendarUnit::kYear:
      return "a";
    case CalendarUnit::kMonth:
      return "mo";
    case CalendarUnit::kWeek:
      return "wk";
    case CalendarUnit::kDay:
      return "d";
    case CalendarUnit::kHour:
      return "h";
    case CalendarUnit::kMinute:
      return "min";
    case CalendarUnit::kSecond:
      return "s";
    case CalendarUnit::kMillisecond:
      return "ms";
    case CalendarUnit::kNone:
      break;
  }
  return "";
}

CalendarUnit CalendarUnitOfUcum(std::string_view code) {
  if (code == "wk") return CalendarUnit::kWeek;
  if (code == "d") return CalendarUnit::kDay;
  if (code == "h") return CalendarUnit::kHour;
  if (code == "min") return CalendarUnit::kMinute;
  if (code == "s") return CalendarUnit::kSecond;
  if (code == "ms") return CalendarUnit::kMillisecond;
  return CalendarUnit::kNone;
}

std::optional<Temporal> AddDuration(const Temporal& t, int64_t amount, CalendarUnit unit) {
  // Anything that leaves years 1..9999 fails; bounding the amount first keeps the arithmetic
  // below free of overflow.
  constexpr int64_t kMaxAmount = int64_t{1} << 40;
  if (amount > kMaxAmount || amount < -kMaxAmount) return std::nullopt;
  if (unit == CalendarUnit::kYear) return AddMonths(t, amount * 12);
  if (unit == CalendarUnit::kMonth) {
    if (t.precision == Precision::kYear) return AddMonths(t, amount / 12 * 12);
    return AddMonths(t, amount);
  }
  int64_t ms = UnitMillis(unit);
  if (ms == 0 || __builtin_mul_overflow(ms, amount, &ms)) return std::nullopt;
  constexpr int64_t kMaxMillis = int64_t{400'000'000} * kMsPerDay;  // about a million years
  if (ms > kMaxMillis || ms < -kMaxMillis) return std::nullopt;
  if (t.kind != TemporalKind::kTime && t.precision < Precision::kDay) {
    // Whole days only: a year or month value moves by the months those days span.
    return AddMonths(t, ms / kMsPerDay / 30);
  }
  int64_t step = PrecisionMillis(t.precision);
  Temporal r = t;
  int64_t local = LocalMillis(t) + ms / step * step;
  if (t.kind == TemporalKind::kTime) local = ((local % kMsPerDay) + kMsPerDay) % kMsPerDay;
  SetLocalMillis(r, local);
  if (r.kind != TemporalKind::kTime && (r.year < 1 || r.year > 9999)) return std::nullopt;
  return r;
}

int PrecisionDigits(const Temporal& t) {
  static constexpr std::array<int, 8> kDateDigits = {0, 4, 6, 8, 10, 12, 14, 17};
  static constexpr std::array<int, 8> kTimeDigits = {0, 0, 0, 0, 2, 4, 6, 9};
  size_t p = static_cast<size_t>(t.precision);
  return t.kind == TemporalKind::kTime ? kTimeDigits[p] : kDateDigits[p];
}

std::optional<Temporal> TemporalBoundary(const Temporal& t, int digits, bool high) {
  Precision target;
  if (t.kind == TemporalKind::kTime) {
    switch (digits) {
      case 2:
        target = Precision::kHour;
        break;
      case 4:
        target = Precision::kMinute;
        break;
      case 6:
        target = Precision::kSecond;
        break;
      case 9:
        target = Precision::kMillisecond;
        break;
      default:
        return std::nullopt;
    }
  } else {
    switch (digits) {
      case 4:
        target = Precision::kYear;
        break;
      case 6:
        target = Precision::kMonth;
        break;
      case 8:
        target = Precision::kDay;
        break;
      case 10:
        target = Precision::kHour;
        break;
      case 12:
        target = Precision::kMinute;
        break;
      case 14:
        target = Precision::kSecond;
        break;
      case 17:
        target = Precision::kMillisecond;
        break;
      default:
        return std::nullopt;
    }
    if (t.kind == TemporalKind::kDate && target > Precision::kDay) return std::nullopt;
  }
  Temporal r = t;
  if (r.precision < Precision::kMonth) r.month = high ? 12 : 1;
  if (r.precision < Precision::kDay) r.day = high ? DaysInMonth(r.year, r.month) : 1;
  if (r.precision < Precision::kHour) r.hour = high ? 23 : 0;
  if (r.precision < Precision::kMinute) r.minute = high ? 59 : 0;
  if (r.precision < Precision::kSecond) r.second = high ? 59 : 0;
  if (r.precision < Precision::kMillisecond) r.millis = high ? 999 : 0;
  // Without a zone the value could be in any of them: the earliest is +14:00, the latest -12:00.
  if (r.kind == TemporalKind::kDateTime && !r.has_tz && target >= Precision::kHour) {
    r.has_tz = true;
    r.tz_minutes = high ? -12 * 60 : 14 * 60;
  }
  r.precision = target;
  return r;
}

Temporal TemporalFromMicros(int64_t micros) {
  Temporal t;
  t.kind = TemporalKind::kDateTime;
  t.precision = Precision::kMillisecond;
  t.has_tz = t.tz_z = true;
  SetLocalMillis(t, micros / 1000);
  return t;
}

}  // namespace kiln::fhirpath
