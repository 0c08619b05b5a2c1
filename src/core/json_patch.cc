// JSON Patch (RFC 6902) over RapidJSON documents, with JSON Pointers (RFC 6901).
#include <optional>
#include <string>
#include <vector>

#include "core/patch.h"

namespace kiln::core {

namespace {

Error Malformed(std::string message) { return Error::Make(Issue::kInvalid, "JSON Patch: " + message); }

// The pointer is named in the message only: OperationOutcome expressions are FHIRPath.
Error NotApplicable(std::string message) {
  return Error::Make(Issue::kInvalid, "JSON Patch: " + message, kPatchNotApplicable);
}

// The reference tokens of a JSON Pointer, unescaped: "/a~1b/~01" is {"a/b", "~1"}. Decoding
// each "~x" in one pass gives RFC 6901's order (~1 before ~0) for free.
Result<std::vector<std::string>> ParsePointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/')
    return Malformed("the pointer '" + std::string(pointer) + "' must start with '/'");
  for (size_t i = 1;; ++i) {
    std::string token;
    for (; i < pointer.size() && pointer[i] != '/'; ++i) {
      if (pointer[i] != '~') {
        token.push_back(pointer[i]);
        continue;
      }
      char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
      if (next != '0' && next != '1') {
        return Malformed("the pointer '" + std::string(pointer) + "' has a '~' not followed by 0 or 1");
      }
      token.push_back(next == '0' ? '~' : '/');
      ++i;
    }
    tokens.push_back(std::move(token));
    if (i >= pointer.size()) break;
  }
  return tokens;
}

// An array index token: digits without a leading zero. nullopt for anything else, "-" included.
std::optional<size_t> ArrayIndex(const std::string& token) {
  if (token.empty() || token.size() > 9 || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  size_t n = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

json::Value* Child(json::Value& v, const std::string& token) {
  if (v.IsObject()) {
    auto it = v.FindMember(json::Value(rapidjson::StringRef(token.data(), token.size())));
    return it == v.MemberEnd() ? nullptr : &it->value;
  }
  if (v.IsArray()) {
    auto i = ArrayIndex(token);
    return i && *i < v.Size() ? &v[static_cast<rapidjson::SizeType>(*i)] : nullptr;
  }
  return nullptr;
}

// The value `tokens` (all of them when `depth` is their count) point at, or nullptr.
json::Value* Resolve(json::Value& root, const std::vector<std::string>& tokens, size_t depth) {
  json::Value* v = &root;
  for (size_t i = 0; i < depth && v != nullptr; ++i) v = Child(*v, tokens[i]);
  return v;
}

// Inserts `value` before position `index` of `array` (RapidJSON only appends, so rotate it in).
void InsertAt(json::Value& array, size_t index, json::Value value, json::Document::AllocatorType& alloc) {
  array.PushBack(value, alloc);
  for (size_t i = array.Size() - 1; i > index; --i) {
    array[static_cast<rapidjson::SizeType>(i)].Swap(array[static_cast<rapidjson::SizeType>(i - 1)]);
  }
}

// RFC 6902 section 4.1: the parent must exist; an object member is set, an array element inserted.
Result<Ok> Add(json::Document& doc, std::string_view pointer, json::Value value) {
  KILN_TRY_ASSIGN(std::vector<std::string> tokens, ParsePointer(pointer));
  if (tokens.empty()) {
    static_cast<json::Value&>(doc).Swap(value);  // the whole document
    return Ok{};
  }
  json::Value* parent = Resolve(doc, tokens, tokens.size() - 1);
  const std::string& last = tokens.back();
  if (parent == nullptr) return NotApplicable("the parent of '" + std::string(pointer) + "' does not exist");
  auto& alloc = doc.GetAllocator();
  if (parent->IsObject()) {
    if (auto it = parent->FindMember(json::Value(rapidjson::StringRef(last.data(), last.size())));
        it != parent->MemberEnd()) {
      it->value = std::move(value);
    } else {
      parent->AddMember(json::Value(last.c_str(), static_cast<rapidjson::SizeType>(last.size()), alloc),
                        value, alloc);
    }
    return Ok{};
  }
  if (parent->IsArray()) {
    std::optional<size_t> index = last == "-" ? std::optional<size_t>(parent->Size()) : ArrayIndex(last);
    if (!index || *index > parent->Size()) {
      return NotApplicable("'" + last + "' is not an index of the array (0 to " +
                           std::to_string(parent->Size()) + ", or '-')");
    }
    InsertAt(*parent, *index, std::move(value), alloc);
    return Ok{};
  }
  return NotApplicable("the parent of '" + std::string(pointer) + "' is neither an object nor an array");
}

// Removes the value at `pointer` and returns it.
Result<json::Value> Remove(json::Document& doc, std::string_view pointer) {
  KILN_TRY_ASSIGN(std::vector<std::string> tokens, ParsePointer(pointer));
  if (tokens.empty()) return NotApplicable("the whole document cannot be removed");
  json::Value* parent = Resolve(doc, tokens, tokens.size() - 1);
  json::Value* target = parent == nullptr ? nullptr : Child(*parent, tokens.back());
  if (target == nullptr) return NotApplicable("there is no value at '" + std::string(pointer) + "'");
  json::Value out(std::move(*target));
  if (parent->IsObject()) {
    parent->EraseMember(json::Value(rapidjson::StringRef(tokens.back().data(), tokens.back().size())));
  } else {
    parent->Erase(target);
  }
  return out;
}

// A required string member of an operation, such as "path" or "from".
Result<std::string_view> StringMember(const json::Value& op, std::string_view name, size_t n) {
  const json::Value* v = json::Find(op, name);
  if (v == nullptr || !v->IsString()) {
    return Malformed("operation " + std::to_string(n) + " needs a string '" + std::string(name) + "'");
  }
  return std::string_view(v->GetString(), v->GetStringLength());
}

// Checks the shape of operation `n` before any is applied, so that a malformed patch is always a
// 400 and never a 422 from an earlier operation that happened not to apply.
Result<Ok> CheckOne(const json::Value& op, size_t n) {
  if (!op.IsObject()) return Malformed("operation " + std::to_string(n) + " is not an object");
  KILN_TRY_ASSIGN(std::string_view kind, StringMember(op, "op", n));
  KILN_TRY_ASSIGN(std::string_view path, StringMember(op, "path", n));
  KILN_TRY(ParsePointer(path));
  if (kind == "add" || kind == "replace" || kind == "test") {
    if (json::Find(op, "value") == nullptr)
      return Malformed("operation " + std::to_string(n) + " needs a 'value'");
    return Ok{};
  }
  if (kind == "move" || kind == "copy") {
    KILN_TRY_ASSIGN(std::string_view from, StringMember(op, "from", n));
    KILN_TRY(ParsePointer(from));
    return Ok{};
  }
  if (kind == "remove") return Ok{};
  return Malformed("operation " + std::to_string(n) + " has the unknown op '" + std::string(kind) +
                   "' (add, remove, replace, move, copy or test)");
}

std::string_view Str(const json::Value& op, std::string_view name) { return json::GetString(op, name); }

// REQUIRES: CheckOne(op) succeeded.
Result<Ok> ApplyOne(const json::Value& op, json::Document& doc) {
  std::string_view kind = Str(op, "op");
  std::string_view path = Str(op, "path");
  auto& alloc = doc.GetAllocator();
  if (kind == "add") return Add(doc, path, json::Value(*json::Find(op, "value"), alloc));
  if (kind == "remove") {
    KILN_TRY(Remove(doc, path));
    return Ok{};
  }
  if (kind == "replace" || kind == "test") {
    const json::Value& value = *json::Find(op, "value");
    KILN_TRY_ASSIGN(std::vector<std::string> tokens, ParsePointer(path));
    json::Value* target = Resolve(doc, tokens, tokens.size());
    if (target == nullptr) return NotApplicable("there is no value at '" + std::string(path) + "'");
    if (kind == "replace") {
      *target = json::Value(value, alloc);
      return Ok{};
    }
    if (!json::Equal(*target, value)) {
      return NotApplicable("test failed: the value at '" + std::string(path) + "' is not " +
                           json::Write(value));
    }
    return Ok{};
  }
  std::string_view from = Str(op, "from");
  if (kind == "move") {
    if (from == path) return Ok{};
    // A value cannot move into its own children (section 4.4).
    if (path.size() > from.size() && path.starts_with(from) && path[from.size()] == '/') {
      return NotApplicable("cannot move '" + std::string(from) + "' into its own child");
    }
    KILN_TRY_ASSIGN(json::Value moved, Remove(doc, from));
    return Add(doc, path, std::move(moved));
  }
  KILN_TRY_ASSIGN(std::vector<std::string> tokens, ParsePointer(from));
  json::Value* source = Resolve(doc, tokens, tokens.size());
  if (source == nullptr) return NotApplicable("there is no value at '" + std::string(from) + "'");
  return Add(doc, path, json::Value(*source, alloc));
}

}  // namespace

Result<Ok> ApplyJsonPatch(const json::Value& patch, json::Document& doc) {
  if (!patch.IsArray()) return Malformed("the patch document must be a JSON array of operations");
  for (rapidjson::SizeType i = 0; i < patch.Size(); ++i) KILN_TRY(CheckOne(patch[i], i));
  for (const json::Value& op : patch.GetArray()) KILN_TRY(ApplyOne(op, doc));
  return Ok{};
}

}  // namespace kiln::core
