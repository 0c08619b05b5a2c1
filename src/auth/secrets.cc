// argon2id per RFC 9106 with OWASP's minimum (19 MiB, 2 passes, 1 lane); AES-256-GCM with a
// random 96-bit nonce per seal, the context as additional authenticated data.
#include "auth/secrets.h"

#include <argon2.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "auth/jose.h"

namespace kiln::auth {

namespace {

constexpr uint32_t kArgonPasses = 2;
constexpr uint32_t kArgonKib = 19 * 1024;
constexpr uint32_t kArgonLanes = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr std::string_view kSealPrefix = "v1.";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, OpenSslFree<EVP_CIPHER_CTX_free>>;

unsigned char* Out(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
const unsigned char* In(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
int Len(std::string_view s) { return static_cast<int>(s.size()); }

Result<std::string> ReadKey(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string line = text.str();
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  auto key = Base64UrlDecode(line);
  if (!in || !key || key->size() != kKeyBytes) {
    return Error::Make(Issue::kException, "The key file " + path + " does not hold a key");
  }
  return *key;
}

// Writes a new key to `path` unless a file is there already: written under another name first,
// then linked into place, so no process ever reads half a key. Its directory is made if missing
// (the data directory of a PostgreSQL store holds nothing else until an export).
Result<Ok> CreateKeyFile(const std::string& path) {
  if (std::filesystem::path dir = std::filesystem::path(path).parent_path(); !dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);  // a failure shows as the open's below
  }
  std::string temp = path + ".new." + std::to_string(getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Error::Make(Issue::kException, "Cannot create " + temp + ": " + std::strerror(errno));
  std::string text = Base64UrlEncode(RandomBytes(kKeyBytes)) + "\n";
  bool written =
      ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  int linked = written ? ::link(temp.c_str(), path.c_str()) : -1;
  int link_errno = errno;
  ::unlink(temp.c_str());
  if (!written || (linked != 0 && link_errno != EEXIST)) {
    return Error::Make(Issue::kException, "Cannot write the key file " + path);
  }
  return Ok{};
}

}  // namespace

Result<std::string> HashSecret(std::string_view secret) {
  std::string salt = RandomBytes(kSaltBytes);
  std::string encoded(
      argon2_encodedlen(kArgonPasses, kArgonKib, kArgonLanes, kSaltBytes, kHashBytes, Argon2_id), '\0');
  int rc = argon2id_hash_encoded(kArgonPasses, kArgonKib, kArgonLanes, secret.data(), secret.size(),
                                 salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Error::Make(Issue::kException, std::string("Cannot hash the secret: ") + argon2_error_message(rc));
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool SecretMatches(std::string_view hash, std::string_view secret) {
  if (hash.empty()) return false;
  std::string encoded(hash);
  return argon2id_verify(encoded.c_str(), secret.data(), secret.size()) == ARGON2_OK;
}

Result<SecretBox> SecretBox::Open(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) KILN_TRY(CreateKeyFile(path));
  KILN_TRY_ASSIGN(std::string key, ReadKey(path));
  return SecretBox(std::move(key));
}

std::string SecretBox::Seal(std::string_view plain, std::string_view context) const {
  std::string out = RandomBytes(kNonceBytes);
  out.resize(kNonceBytes + plain.size() + kTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, In(key_), Out(out)) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, In(context), Len(context)) == 1 &&
            EVP_EncryptUpdate(ctx.get(), Out(out) + kNonceBytes, &len, In(plain), Len(plain)) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), Out(out) + kNonceBytes + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                Out(out) + kNonceBytes + plain.size()) == 1;
  if (!ok) std::abort();  // AES-GCM does not fail on valid input; never store a secret unsealed
  return std::string(kSealPrefix) + Base64UrlEncode(out);
}

Result<std::string> SecretBox::Unseal(std::string_view sealed, std::string_view context) const {
  Error broken = Error::Make(Issue::kInvalid, "A sealed value does not open under this server's key");
  if (!sealed.starts_with(kSealPrefix)) return broken;
  auto raw = Base64UrlDecode(sealed.substr(kSealPrefix.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return broken;
  std::string_view bytes = *raw;
  std::string_view body = bytes.substr(kNonceBytes, bytes.size() - kNonceBytes - kTagBytes);
  std::string tag(bytes.substr(bytes.size() - kTagBytes));
  std::string plain(body.size(), '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, In(key_), In(bytes)) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, In(context), Len(context)) == 1 &&
            EVP_DecryptUpdate(ctx.get(), Out(plain), &len, In(body), Len(body)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), Out(plain) + len, &len) == 1;
  if (!ok) return broken;
  return plain;
}

}  // namespace kiln::auth
