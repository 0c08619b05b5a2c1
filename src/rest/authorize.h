// Authorization on every interaction (docs/security.md): the credentials a request carries, the
// permission each route needs, and the limits a patient-context grant puts on searches, includes
// and writes. Private to src/rest/; the Access itself comes from an Authorizer (hooks.h).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "rest/context.h"
#include "search/search.h"

namespace kiln::rest {

// The access a request's credentials grant: UnrestrictedAccess() without an authorizer, and for
// the public paths (metadata, .well-known/smart-configuration) nothing needs to be granted. On
// failure, the 401 (with WWW-Authenticate) or 403 response.
Expected<std::shared_ptr<const Access>, Response> Authenticate(const ApiOptions& options, const Request& req,
                                                               const Negotiated& format);

// Checks the permission the route `method` `seg` (the path below the base, split at '/') needs,
// per the table in docs/security.md: 403 when it is not granted, and when a patient-context
// grant is all that allows it and the resource named is outside the patient's compartment.
// Paths the table does not know (operations) need every permission on every type.
Result<Ok> Permit(const Call& call, std::string_view method, const std::vector<std::string_view>& seg);

// Types no client may create, update, patch or delete (405): AuditEvent, which only the audit log
// writes (docs/audit.md).
bool IsAppendOnly(std::string_view type);

// 403 unless the access allows `p` on `type`.
Result<Ok> Require(const Call& call, std::string_view type, Permission p);

// Limits a search of `parsed.query.type` made under `p`: 403 when `p` is not granted on it; when
// only a patient-context grant allows it, to that patient's compartment (403 for a type outside
// every patient's compartment).
Result<Ok> LimitSearch(const Call& call, Permission p, search::ParsedSearch& parsed);
// Whether LimitSearch would let a search of `type` under `p` run.
bool MaySearch(const Call& call, std::string_view type, Permission p);

// `versions` without what the access may not read: types without r, and, where a patient-context
// grant is all that allows reading, resources outside the patient's compartment. For _include,
// _revinclude and what $everything adds.
Result<std::vector<store::Version>> Readable(const Call& call, std::vector<store::Version> versions);

// Where only a patient-context grant allows `p` on the type `op` writes: 403 unless the version
// written is in the patient's compartment (judged by its index rows).
Result<Ok> CheckWrittenContent(const Call& call, Permission p, const store::WriteOp& op);

}  // namespace kiln::rest
