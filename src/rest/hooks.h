// What rest/ asks of the modules above it (style guide, rule 4): app/ plugs implementations in
// through ApiOptions, so rest never includes a feature module.
//
// Authorization (docs/security.md): an Authorizer turns a request's credentials into an Access,
// what the request may do; rest/authorize.cc checks that Access on every interaction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kiln::rest {

struct Request;
struct Response;

// SMART on FHIR v2 permissions (hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):
// c create; r read, vread and instance history; u update and patch; d delete; s search, type
// and system history.
enum class Permission : uint8_t { kCreate = 1, kRead = 2, kUpdate = 4, kDelete = 8, kSearch = 16 };

// What one request may do. Thread-safety: immutable once made; shared by the threads of a request.
class Access {
 public:
  virtual ~Access() = default;
  // Whether `p` is granted on resources of `type` (perhaps only in a patient's compartment).
  virtual bool Allows(std::string_view type, Permission p) const = 0;
  // Whether `p` is granted on every resource type, and not only in a patient's compartment.
  virtual bool AllowsEveryType(Permission p) const = 0;
  // The patient whose compartment limits `p` on `type`: set when only patient-context grants
  // allow it. REQUIRES: Allows(type, p).
  virtual std::optional<std::string> PatientLimit(std::string_view type, Permission p) const = 0;

  // Who the credentials speak for, for audit records (docs/audit.md): the OAuth client, the user
  // (empty without one) and the token's patient context (`patient` claim).
  virtual std::string ClientId() const { return {}; }
  virtual std::string UserId() const { return {}; }
  virtual std::optional<std::string> PatientContext() const { return std::nullopt; }
  // Whether resources labelled with confidentiality `code` ("R" restricted, "V" very restricted;
  // hl7.org/fhir/R4/v3/Confidentiality/cs.html) are visible (docs/security.md, security
  // labels). The permission is an administrator's grant to a client; none by default.
  virtual bool SeesConfidentiality(std::string_view code) const {
    (void)code;
    return false;
  }
};

// Everything allowed, everywhere: requests when authorization is off (`kiln serve --no-auth`,
// `kiln import`). A never-destroyed immutable object.
const Access& UnrestrictedAccess();

// Where clients go for tokens (the CapabilityStatement's SMART extension, oauth-uris).
struct OAuthUris {
  std::string token;
  std::string introspect;
  std::string revoke;
};

// The authorization server's side of each FHIR request. Thread-safe: called concurrently.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // The access that the request's credentials grant in its tenant: kLogin (401) without valid
  // credentials, kForbidden (403) for credentials of another tenant. Diagnostics tell nothing
  // about why a token is not valid.
  virtual Result<std::shared_ptr<const Access>> Authenticate(const Request& request) const = 0;
  // The admin API (/admin; docs/security.md, administrators): Ok for a valid access token of this
  // server that carries the administrator's grant; kLogin (401) without a valid token, kForbidden
  // (403) without the grant.
  virtual Result<Ok> AuthorizeAdmin(const Request& request) const = 0;
  virtual OAuthUris Uris(const Request& request) const = 0;
  // GET {base}/.well-known/smart-configuration (public).
  virtual Response SmartConfiguration(const Request& request) const = 0;
};

// Auditing (docs/audit.md): the Api reports every FHIR request it answers, so that the audit
// module can record the ones that touch patient data, and each entry of a batch or transaction
// Bundle as the request it describes (its method, URL, tenant and request id; its own response),
// before the Bundle itself. Thread-safe: called concurrently from the request threads.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // `access` is what the request's credentials granted; null when they were refused (401, or
  // 403 for another tenant's token). Called after the response is made and before it is sent;
  // may block while the sink's queue is full (back-pressure), never drops a record.
  virtual void Record(const Request& request, const Response& response, const Access* access) const = 0;
};

}  // namespace kiln::rest
