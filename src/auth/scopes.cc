#include "auth/scopes.h"

#include <algorithm>
#include <cctype>

namespace kiln::auth {

namespace {

using rest::Permission;

uint8_t Bit(Permission p) { return static_cast<uint8_t>(p); }

constexpr uint8_t kRead = 2 | 16;      // v1 read: r and s
constexpr uint8_t kWrite = 1 | 4 | 8;  // v1 write: c, u and d
constexpr uint8_t kEverything = 0x1f;  // cruds, v1 *

std::optional<ScopeContext> ContextNamed(std::string_view name) {
  if (name == "patient") return ScopeContext::kPatient;
  if (name == "user") return ScopeContext::kUser;
  if (name == "system") return ScopeContext::kSystem;
  return std::nullopt;
}

// v2 letters, each at most once and in the order c r u d s; v1 read, write and *.
std::optional<uint8_t> PermissionsNamed(std::string_view text) {
  if (text == "read") return kRead;
  if (text == "write") return kWrite;
  if (text == "*") return kEverything;
  constexpr std::string_view kLetters = "cruds";
  uint8_t bits = 0;
  size_t next = 0;  // letters before this one are used up
  for (char c : text) {
    size_t at = kLetters.find(c, next);
    if (at == std::string_view::npos) return std::nullopt;
    bits |= static_cast<uint8_t>(1u << at);
    next = at + 1;
  }
  if (bits == 0) return std::nullopt;
  return bits;
}

bool IsTypeName(std::string_view type) {
  if (type == "*") return true;
  if (type.empty() || !std::isupper(static_cast<unsigned char>(type[0]))) return false;
  return std::all_of(type.begin(), type.end(),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

}  // namespace

std::optional<ResourceScope> ParseResourceScope(std::string_view scope) {
  size_t slash = scope.find('/');
  size_t dot = scope.find('.', slash == std::string_view::npos ? 0 : slash);
  if (slash == std::string_view::npos || dot == std::string_view::npos) return std::nullopt;
  auto context = ContextNamed(scope.substr(0, slash));
  std::string_view type = scope.substr(slash + 1, dot - slash - 1);
  auto permissions = PermissionsNamed(scope.substr(dot + 1));  // a '?' query makes this fail
  if (!context || !IsTypeName(type) || !permissions) return std::nullopt;
  return ResourceScope{*context, std::string(type), *permissions};
}

bool Covers(const ResourceScope& allowed, const ResourceScope& wanted) {
  return allowed.context == wanted.context && (allowed.type == "*" || allowed.type == wanted.type) &&
         (wanted.permissions & ~allowed.permissions) == 0;
}

bool IsGrantableScope(std::string_view scope) {
  return ParseResourceScope(scope) || scope == kAdminScope || scope == kLaunchPatientScope ||
         scope == kOfflineAccessScope || scope == kOnlineAccessScope;
}

bool HasScope(std::string_view scopes, std::string_view scope) {
  std::vector<std::string> all = SplitScopes(scopes);
  return std::find(all.begin(), all.end(), scope) != all.end();
}

std::vector<std::string> SplitScopes(std::string_view scopes) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < scopes.size()) {
    size_t end = scopes.find(' ', pos);
    if (end == std::string_view::npos) end = scopes.size();
    std::string scope(scopes.substr(pos, end - pos));
    if (!scope.empty() && std::find(out.begin(), out.end(), scope) == out.end())
      out.push_back(std::move(scope));
    pos = end + 1;
  }
  return out;
}

std::string GrantedScopes(std::string_view allowed, std::string_view requested) {
  std::vector<std::string> allowance = SplitScopes(allowed);
  std::vector<std::string> asked = requested.empty() ? allowance : SplitScopes(requested);
  std::string out;
  for (const std::string& want : asked) {
    auto wanted = ParseResourceScope(want);
    bool granted = std::any_of(allowance.begin(), allowance.end(), [&](const std::string& have) {
      if (!wanted) return have == want;
      auto scope = ParseResourceScope(have);
      return scope && Covers(*scope, *wanted);
    });
    if (granted) out += (out.empty() ? "" : " ") + want;
  }
  return out;
}

std::string UserGrantableScopes(std::string_view scopes, uint8_t permissions, bool with_patient,
                                std::string_view label_access) {
  std::string out;
  auto add = [&out](std::string_view s) {
    if (!out.empty()) out.push_back(' ');
    out.append(s);
  };
  for (const std::string& s : SplitScopes(scopes)) {
    if (IsLabelScope(s)) {
      // The lower of the two levels (V is above R, as 'V' > 'R'): a client allowed V and a
      // member allowed R meet at R; a member allowed none gets none.
      char level = label_access.empty() ? '\0' : std::min(s.back(), label_access.front());
      std::string narrowed = "security-label/" + std::string(1, level);
      if (level != '\0' && !HasScope(out, narrowed)) add(narrowed);
      continue;
    }
    if (s == kLaunchPatientScope) {
      if (with_patient) add(s);
      continue;
    }
    if (s == kOfflineAccessScope || s == kOnlineAccessScope) {
      add(s);
      continue;
    }
    auto scope = ParseResourceScope(s);
    if (!scope || scope->context == ScopeContext::kSystem) continue;
    if (scope->context == ScopeContext::kPatient && !with_patient) continue;
    uint8_t narrowed = scope->permissions & permissions;
    if (narrowed == 0) continue;
    if (narrowed == scope->permissions) {
      add(s);
      continue;
    }
    std::string letters;
    for (int bit = 0; bit < 5; ++bit) {
      if ((narrowed & (1u << bit)) != 0) letters.push_back("cruds"[bit]);
    }
    add(s.substr(0, s.find('.') + 1).append(letters));
  }
  return out;
}

bool IsLabelScope(std::string_view scope) {
  return scope == "security-label/R" || scope == "security-label/V";
}

ScopeAccess::ScopeAccess(std::string_view scopes, std::optional<std::string> patient, std::string client_id,
                         std::string user)
    : patient_(std::move(patient)), client_id_(std::move(client_id)), user_(std::move(user)) {
  for (const std::string& s : SplitScopes(scopes)) {
    if (auto scope = ParseResourceScope(s)) scopes_.push_back(std::move(*scope));
    if (IsLabelScope(s) && label_level_ != 'V') label_level_ = s.back();
  }
}

bool ScopeAccess::SeesConfidentiality(std::string_view code) const {
  if (code == "V") return label_level_ == 'V';
  if (code == "R") return label_level_ == 'R' || label_level_ == 'V';
  return true;  // U, L, M, N: no permission needed
}

bool ScopeAccess::Grants(const ResourceScope& s, std::string_view type, Permission p) const {
  if (s.context == ScopeContext::kPatient && !patient_) return false;  // no patient, no patient/ grant
  return (s.type == "*" || s.type == type) && (s.permissions & Bit(p)) != 0;
}

bool ScopeAccess::Allows(std::string_view type, Permission p) const {
  return std::any_of(scopes_.begin(), scopes_.end(),
                     [&](const ResourceScope& s) { return Grants(s, type, p); });
}

bool ScopeAccess::AllowsEveryType(Permission p) const {
  return std::any_of(scopes_.begin(), scopes_.end(), [&](const ResourceScope& s) {
    return s.context != ScopeContext::kPatient && s.type == "*" && (s.permissions & Bit(p)) != 0;
  });
}

std::optional<std::string> ScopeAccess::PatientLimit(std::string_view type, Permission p) const {
  bool unlimited = std::any_of(scopes_.begin(), scopes_.end(), [&](const ResourceScope& s) {
    return s.context != ScopeContext::kPatient && Grants(s, type, p);
  });
  if (unlimited) return std::nullopt;
  return patient_;
}

}  // namespace kiln::auth
