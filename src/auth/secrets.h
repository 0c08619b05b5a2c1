// Secrets at rest. A client secret is kept as an argon2id hash, to check it (client_secret_basic,
// client_secret_post), and sealed (AES-256-GCM) for what needs it back: HS256 client assertions.
// Token signing keys are sealed too. The sealing key lives in a file of its own beside the
// database (mode 0600), so a copy of the database alone reveals no secret and no signing key.
// Private to src/auth/.
//
// Thread-safety: a SecretBox is immutable; all of it may be used from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace kiln::auth {

// An argon2id hash of `secret` in the PHC string form ($argon2id$v=19$m=...), salted afresh.
Result<std::string> HashSecret(std::string_view secret);
// Whether `secret` hashes to `hash` (a HashSecret result); false for an empty or broken hash.
bool SecretMatches(std::string_view hash, std::string_view secret);

class SecretBox {
 public:
  // The key in the file at `path`, which is created (with a new random key, mode 0600) when it
  // does not exist. Several processes may open the same file at once.
  static Result<SecretBox> Open(const std::string& path);
  // REQUIRES: `key` holds 32 bytes.
  explicit SecretBox(std::string key) : key_(std::move(key)) {}

  // `plain` sealed; `context` (a client id, "signing key") must be given again to unseal it.
  std::string Seal(std::string_view plain, std::string_view context) const;
  // kInvalid when `sealed` was not sealed under this key and context, or was altered.
  Result<std::string> Unseal(std::string_view sealed, std::string_view context) const;

 private:
  std::string key_;
};

}  // namespace kiln::auth
