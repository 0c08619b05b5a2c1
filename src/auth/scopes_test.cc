#include "auth/scopes.h"

#include <gtest/gtest.h>

namespace kiln::auth {
namespace {

using rest::Permission;

TEST(ScopesTest, ParsesV2AndV1) {
  auto s = ParseResourceScope("patient/Observation.rs");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->context, ScopeContext::kPatient);
  EXPECT_EQ(s->type, "Observation");
  EXPECT_EQ(s->permissions, 2 | 16);
  EXPECT_EQ(ParseResourceScope("user/*.cruds")->permissions, 0x1f);
  EXPECT_EQ(ParseResourceScope("system/*.read")->permissions, 2 | 16);
  EXPECT_EQ(ParseResourceScope("system/Patient.write")->permissions, 1 | 4 | 8);
  EXPECT_EQ(ParseResourceScope("system/*.*")->permissions, 0x1f);
}

TEST(ScopesTest, RefusesWhatItCannotEnforce) {
  for (const char* bad :
       {"patient/Observation.rs?category=laboratory", "system/*.sr", "system/*.rr", "system/*.", "system/*.x",
        "device/*.rs", "system/observation.rs", "openid", "launch/patient", "system/Patient", "*.read"}) {
    EXPECT_FALSE(ParseResourceScope(bad).has_value()) << bad;
  }
}

TEST(ScopesTest, GrantsWhatTheAllowanceCovers) {
  EXPECT_EQ(GrantedScopes("system/*.rs", ""), "system/*.rs");
  EXPECT_EQ(GrantedScopes("system/*.rs", "system/Patient.r system/Patient.cruds"), "system/Patient.r");
  EXPECT_EQ(GrantedScopes("system/*.cruds", "system/*.read system/Observation.write"),
            "system/*.read system/Observation.write");
  EXPECT_EQ(GrantedScopes("system/Patient.rs", "system/*.rs user/Patient.rs"), "");
}

TEST(ScopesTest, AUsersLabelScopesMeetTheMembershipsLabelAccess) {
  const char* both = "user/*.rs security-label/R security-label/V";
  EXPECT_EQ(UserGrantableScopes(both, 0x1f, false, "V"), both);
  EXPECT_EQ(UserGrantableScopes(both, 0x1f, false, "R"), "user/*.rs security-label/R");
  EXPECT_EQ(UserGrantableScopes(both, 0x1f, false, ""), "user/*.rs");
  EXPECT_EQ(UserGrantableScopes("user/*.rs security-label/V", 0x1f, false, "R"),
            "user/*.rs security-label/R");
  EXPECT_EQ(UserGrantableScopes("user/*.rs security-label/R", 0x1f, false, "V"),
            "user/*.rs security-label/R");
}

TEST(ScopesTest, AccessFollowsTheScopes) {
  ScopeAccess access("system/Patient.rs user/Observation.c patient/*.rs", std::nullopt);
  EXPECT_TRUE(access.Allows("Patient", Permission::kRead));
  EXPECT_TRUE(access.Allows("Patient", Permission::kSearch));
  EXPECT_FALSE(access.Allows("Patient", Permission::kCreate));
  EXPECT_TRUE(access.Allows("Observation", Permission::kCreate));
  EXPECT_FALSE(access.Allows("Observation", Permission::kRead));  // patient/ without a patient: nothing
  EXPECT_FALSE(access.AllowsEveryType(Permission::kRead));
  EXPECT_FALSE(access.PatientLimit("Patient", Permission::kRead).has_value());

  ScopeAccess patient("patient/*.rs system/Patient.r", std::string("p1"));
  EXPECT_TRUE(patient.Allows("Observation", Permission::kRead));
  EXPECT_EQ(patient.PatientLimit("Observation", Permission::kRead), "p1");
  EXPECT_FALSE(patient.PatientLimit("Patient", Permission::kRead).has_value());  // system/ grants it
  EXPECT_EQ(patient.PatientLimit("Patient", Permission::kSearch), "p1");
  EXPECT_FALSE(patient.AllowsEveryType(Permission::kRead));
  EXPECT_TRUE(ScopeAccess("system/*.rs", std::nullopt).AllowsEveryType(Permission::kSearch));
}

}  // namespace
}  // namespace kiln::auth
