// SMART on FHIR scopes (hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html): v2
// `patient/Observation.rs`, `user/*.cruds`, `system/*.rs` and v1 `system/*.read`, `*.write`,
// `*.*`, and the rest::Access they grant. Private to src/auth/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth.h"
#include "rest/rest.h"

namespace kiln::auth {

enum class ScopeContext { kPatient, kUser, kSystem };

// SMART's scopes that are not on resources and that Kiln grants in the authorization_code flow:
// the patient context of a standalone launch and refresh tokens.
constexpr std::string_view kLaunchPatientScope = "launch/patient";
constexpr std::string_view kOfflineAccessScope = "offline_access";
constexpr std::string_view kOnlineAccessScope = "online_access";
// Whether a client may be registered with `scope`: a resource scope, or one of the above.
bool IsGrantableScope(std::string_view scope);
// Whether the space-separated `scopes` hold `scope`.
bool HasScope(std::string_view scopes, std::string_view scope);

// A scope on resources: a context, a type ("*" for every type) and permissions (rest::Permission
// bits).
struct ResourceScope {
  ScopeContext context = ScopeContext::kSystem;
  std::string type;
  uint8_t permissions = 0;
};

// The resource scope `scope` is; nullopt for other scopes (openid, launch/patient, ...), for
// malformed ones, and for v2 scopes with a query (`patient/Observation.rs?category=...`), which
// Kiln cannot enforce and so never grants.
std::optional<ResourceScope> ParseResourceScope(std::string_view scope);
// Whether `allowed` grants all that `wanted` asks: the same context, its type or every type, and
// at least its permissions.
bool Covers(const ResourceScope& allowed, const ResourceScope& wanted);
// The scopes of a space-separated list, without duplicates, in order.
std::vector<std::string> SplitScopes(std::string_view scopes);
// What a client allowed `allowed` is granted when it asks for `requested` (its whole allowance when
// it asks for nothing): each requested scope that an allowed one covers (resource scopes) or
// equals (others), space-separated; empty when none is.
std::string GrantedScopes(std::string_view allowed, std::string_view requested);

// What a user whose role allows `permissions` (rest::Permission bits) may grant of `scopes`
// (already those allowed to the client): user/ and patient/ scopes narrowed to `permissions`
// (written as v2 letters when narrowed, dropped when none is left), patient/ scopes and
// launch/patient only `with_patient`, offline_access and online_access as they are, and the
// security-label/ scopes narrowed to the membership's `label_access` ("", "R" or "V":
// security-label/V becomes security-label/R for "R"; both go for ""). Never system/ scopes or
// kiln/admin: those are for clients on their own (client_credentials).
std::string UserGrantableScopes(std::string_view scopes, uint8_t permissions, bool with_patient,
                                std::string_view label_access);

// Security labels (docs/security.md): `security-label/R` lets a token see resources labelled
// restricted, `security-label/V` those labelled restricted or very restricted (confidentiality is
// ordered: V is above R). Whether `scope` is one of them.
bool IsLabelScope(std::string_view scope);

// The access a token's scopes grant; patient/ scopes only with a patient (a token's `patient`
// claim), and then only in that patient's compartment. `user` is the signed-in user the token
// acts for (authorization_code and refresh_token grants); empty for a client on its own.
// Immutable.
class ScopeAccess final : public rest::Access {
 public:
  ScopeAccess(std::string_view scopes, std::optional<std::string> patient, std::string client_id = {},
              std::string user = {});

  bool Allows(std::string_view type, rest::Permission p) const override;
  bool AllowsEveryType(rest::Permission p) const override;
  std::optional<std::string> PatientLimit(std::string_view type, rest::Permission p) const override;
  std::string ClientId() const override { return client_id_; }
  std::string UserId() const override { return user_; }
  std::optional<std::string> PatientContext() const override { return patient_; }
  bool SeesConfidentiality(std::string_view code) const override;

 private:
  bool Grants(const ResourceScope& s, std::string_view type, rest::Permission p) const;

  std::vector<ResourceScope> scopes_;
  std::optional<std::string> patient_;
  std::string client_id_;
  std::string user_;
  char label_level_ = 0;  // 0, 'R' or 'V': the highest confidentiality its label scopes grant
};

}  // namespace kiln::auth
