#include "core/time.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

constexpr Micros kDay = 86'400'000'000LL;

TEST(TimeTest, FormatInstant) {
  EXPECT_EQ(FormatInstant(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatInstant(1'500'000), "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(FormatInstant(1'234'567), "1970-01-01T00:00:01.234567Z");
  EXPECT_EQ(FormatInstant(-1'000'000), "1969-12-31T23:59:59.000Z");
  // Each field in its place, and years past 9999 still written (by the slower path).
  for (const char* instant : {"2026-12-03T11:40:16.123456Z", "0001-01-01T00:00:00.000Z",
                              "9999-12-31T23:59:59.999999Z", "2024-02-29T08:05:09.010Z"}) {
    auto parsed = ParseFhirDateTime(instant);
    ASSERT_TRUE(parsed) << instant;
    EXPECT_EQ(FormatInstant(parsed->start), instant);
  }
  EXPECT_EQ(FormatInstant(ParseFhirDateTime("9999-12-31T23:59:59.999999Z")->start + 1),
            "10000-01-01T00:00:00.000Z");
}

TEST(TimeTest, PartialDatesCoverTheirWholePeriod) {
  auto year = ParseFhirDateTime("2020");
  ASSERT_TRUE(year);
  EXPECT_EQ(year->end - year->start, 366 * kDay);
  auto month = ParseFhirDateTime("2021-02");
  ASSERT_TRUE(month);
  EXPECT_EQ(month->end - month->start, 28 * kDay);
  auto day = ParseFhirDateTime("2021-02-28");
  ASSERT_TRUE(day);
  EXPECT_EQ(day->end - day->start, kDay);
  EXPECT_EQ(day->start, month->start + 27 * kDay);
}

TEST(TimeTest, TimezonesAndFractions) {
  auto utc = ParseFhirDateTime("2020-01-01T10:00:00Z");
  auto plus = ParseFhirDateTime("2020-01-01T12:00:00+02:00");
  ASSERT_TRUE(utc && plus);
  EXPECT_EQ(utc->start, plus->start);
  EXPECT_EQ(utc->end - utc->start, 1'000'000);
  auto frac = ParseFhirDateTime("2020-01-01T10:00:00.25Z");
  ASSERT_TRUE(frac);
  EXPECT_EQ(frac->start - utc->start, 250'000);
  EXPECT_EQ(frac->end - frac->start, 10'000);
}

TEST(TimeTest, RejectsInvalid) {
  for (const char* bad : {"", "20", "2020-13", "2021-02-29", "2020-01-01T25:00", "2020-01-01T10:00:00X",
                          "2020-01-01 10:00", "2020-01-01T10:00:00+2:00", "yesterday"}) {
    EXPECT_FALSE(ParseFhirDateTime(bad)) << bad;
  }
  EXPECT_TRUE(ParseFhirDateTime("2020-02-29"));
}

TEST(TimeTest, HttpDates) {
  EXPECT_EQ(FormatHttpDate(784111777'000000LL), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777'000000LL);
  EXPECT_FALSE(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(ParseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT"));
}

}  // namespace
}  // namespace kiln
