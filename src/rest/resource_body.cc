#include "rest/resource_body.h"

#include <openssl/rand.h>

#include <rapidjson/document.h>

#include <cstring>
#include <random>

#include "core/base64.h"

namespace kiln::rest {

namespace {

// Random bytes for ids from a per-thread buffer: one RAND_bytes call per 64 ids, as each call
// costs more than an id's other work (OpenSSL looks up its per-thread generator every time).
void RandomBytes(unsigned char* out, size_t n) {
  struct Pool {
    unsigned char bytes[1024];
    size_t used = sizeof bytes;
  };
  thread_local Pool pool;
  if (pool.used + n > sizeof pool.bytes) {
    if (RAND_bytes(pool.bytes, sizeof pool.bytes) != 1) {
      std::random_device os;  // the kernel's generator, should OpenSSL's ever fail
      for (unsigned char& b : pool.bytes) b = static_cast<unsigned char>(os());
    }
    pool.used = 0;
  }
  std::memcpy(out, pool.bytes + pool.used, n);
  std::memset(pool.bytes + pool.used, 0, n);  // each byte serves once
  pool.used += n;
}

}  // namespace

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string NewResourceId(Micros now) {
  unsigned char b[16];
  RandomBytes(b, sizeof b);
  uint64_t ms = static_cast<uint64_t>(now / 1000);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x70);  // version 7
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 9562 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[b[i] >> 4]);
    id.push_back(kHex[b[i] & 0xf]);
  }
  return id;
}

Expected<IncomingResource, Errors> ParseResource(const Context& ctx, const Request& req,
                                                 const core::ResourceType& url_type,
                                                 std::string_view url_id) {
  std::string text;
  std::string_view content_type = req.Header("Content-Type");
  if (url_type.name() == "Binary" && !IsFhirJsonContentType(content_type)) {
    // A raw body: the Binary is its content type plus its bytes.
    std::string ct = content_type.empty() ? "application/octet-stream" : std::string(content_type);
    text = R"({"resourceType":"Binary",)";
    if (!url_id.empty()) text += "\"id\":" + json::Quote(url_id) + ",";
    text += "\"contentType\":" + json::Quote(ct);
    if (!req.body.empty()) text += ",\"data\":\"" + Base64Encode(req.body) + "\"";
    text += "}";
  } else {
    if (auto ok = RequireFhirJson(req); !ok) return Errors::Of(ok.error());
    text = req.body;
  }
  if (text.empty())
    return Errors::Of(Error::Make(Issue::kInvalid, "The request body is empty; a resource is required"));
  return ParseResourceText(ctx, std::move(text), url_type);
}

Expected<IncomingResource, Errors> ParseResourceText(const Context& ctx, std::string text,
                                                     const core::ResourceType& url_type, bool utf8_checked) {
  auto parsed = utf8_checked ? json::ParseValidUtf8(text) : json::Parse(text);
  if (!parsed) return Errors::Of(parsed.error());
  return CheckResource(ctx, url_type, std::move(parsed).value(), std::move(text));
}

Expected<IncomingResource, Errors> CheckResource(const Context& ctx, const core::ResourceType& url_type,
                                                 json::Document doc, std::string text) {
  if (!doc.IsObject())
    return Errors::Of(Error::Make(Issue::kStructure, "The body must be a JSON object (a FHIR resource)"));
  const json::Value* rt = json::Find(doc, "resourceType");
  if (rt == nullptr || !rt->IsString()) {
    return Errors::Of(Error::At(Issue::kRequired, "resourceType", "The resource has no resourceType"));
  }
  std::string_view rt_name(rt->GetString(), rt->GetStringLength());
  auto type = ctx.model.FindResourceType(rt_name);
  if (!type) {
    return Errors::Of(
        Error::At(Issue::kInvalid, "resourceType", "Unknown resource type '" + std::string(rt_name) + "'"));
  }
  if (!(*type == url_type)) {
    return Errors::Of(Error::At(
        Issue::kInvalid, "resourceType",
        "The resource is a " + std::string(rt_name) + " but the URL is for " + std::string(url_type.name())));
  }
  Errors problems = core::Validate(ctx.model, *type, doc);
  if (!problems.items.empty()) return problems;
  return IncomingResource{*type, std::move(doc), std::move(text)};
}

Result<Ok> CheckBodyId(const IncomingResource& in, std::string_view id) {
  std::string type(in.type.name());
  std::string_view body_id = json::GetString(in.doc, "id");
  if (body_id.empty()) {
    return Error::At(Issue::kRequired, type + ".id", "An update must carry the resource id in the body");
  }
  if (body_id != id) {
    return Error::At(Issue::kInvalid, type + ".id",
                     "The id in the body ('" + std::string(body_id) + "') differs from the URL ('" +
                         std::string(id) + "')");
  }
  return Ok{};
}

std::string StoredJson(const IncomingResource& r, std::string_view id, int64_t version, Micros last_updated) {
  // Written from the request's own text, minified, rather than re-serialized from the parsed
  // document: numbers keep the exact digits the client sent (FHIR decimals carry precision).
  const std::vector<json::RawMember> members = json::TopLevelMembers(r.text);
  std::string out;
  out.reserve(r.text.size() + 128);
  out += R"({"resourceType":)";
  json::AppendQuoted(out, r.type.name());
  out += R"(,"id":)";
  json::AppendQuoted(out, id);
  out += R"(,"meta":{"versionId":")";
  out += std::to_string(version);
  out += R"(","lastUpdated":")";
  out += FormatInstant(last_updated);
  out.push_back('"');
  for (const json::RawMember& m : members) {
    if (m.key != "meta") continue;
    for (const json::RawMember& item : json::TopLevelMembers(m.raw)) {  // the client's tags, profiles...
      if (item.key == "versionId" || item.key == "lastUpdated") continue;
      out.push_back(',');
      json::AppendQuoted(out, item.key);
      out.push_back(':');
      json::AppendMinified(out, item.raw);
    }
  }
  out.push_back('}');
  for (const json::RawMember& m : members) {
    if (m.key == "resourceType" || m.key == "id" || m.key == "meta") continue;
    out.push_back(',');
    json::AppendQuoted(out, m.key);
    out.push_back(':');
    json::AppendMinified(out, m.raw);
  }
  out.push_back('}');
  return out;
}

}  // namespace kiln::rest
