// What a backend that does not keep users, authorization codes and refresh tokens yet answers
// (store.h): it still serves every other grant.
#include "store/store.h"

namespace kiln::store {

namespace {
Error NotKept() {
  return Error::Make(Issue::kNotSupported,
                     "This store does not keep users, authorization codes or refresh tokens");
}
}  // namespace

Result<Ok> Store::CreateUser(const UserRecord&) { return NotKept(); }
Result<UserRecord> Store::GetUser(const std::string&) { return NotKept(); }
Result<std::vector<UserRecord>> Store::ListUsers() { return NotKept(); }
Result<Ok> Store::DeleteUser(const std::string&) { return NotKept(); }
Result<Ok> Store::AddAuthCode(const AuthCodeRecord&, Micros) { return NotKept(); }
Result<AuthCodeRecord> Store::UseAuthCode(const std::string&, Micros) { return NotKept(); }
Result<Ok> Store::AddRefreshToken(const RefreshTokenRecord&, Micros) { return NotKept(); }
Result<RefreshTokenRecord> Store::UseRefreshToken(const std::string&, Micros) { return NotKept(); }
Result<Ok> Store::RevokeGrant(const std::string&) { return NotKept(); }

}  // namespace kiln::store
