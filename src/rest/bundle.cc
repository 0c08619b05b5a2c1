#include "rest/bundle.h"

#include "core/json.h"

namespace kiln::rest {

BundleWriter::BundleWriter(std::string_view type, std::string id, Micros now)
    : type_(type), id_(std::move(id)), now_(now) {}

void BundleWriter::AddPageLinks(const std::string& self,
                                const std::vector<std::pair<std::string, std::string>>& params,
                                const std::optional<std::string>& next_cursor) {
  AddLink("self", params.empty() ? self : self + "?" + EncodeQuery(params));
  if (!next_cursor) return;
  auto next = params;
  next.emplace_back("_cursor", *next_cursor);
  AddLink("next", self + "?" + EncodeQuery(next));
}

void BundleWriter::AddLink(std::string_view relation, std::string_view url) {
  if (!links_.empty()) links_.push_back(',');
  links_ += R"({"relation":)";
  json::AppendQuoted(links_, relation);
  links_ += R"(,"url":)";
  json::AppendQuoted(links_, url);
  links_.push_back('}');
}

void BundleWriter::AddEntry(const BundleEntry& e) {
  if (!entries_.empty()) entries_.push_back(',');
  entries_.push_back('{');
  bool first = true;
  auto sep = [&] {
    if (!first) entries_.push_back(',');
    first = false;
  };
  if (!e.full_url.empty()) {
    sep();
    entries_ += R"("fullUrl":)";
    json::AppendQuoted(entries_, e.full_url);
  }
  if (!e.resource.empty()) {
    sep();
    entries_ += R"("resource":)";
    entries_ += e.resource;
  }
  if (!e.search_mode.empty()) {
    sep();
    entries_ += R"("search":{"mode":)";
    json::AppendQuoted(entries_, e.search_mode);
    entries_.push_back('}');
  }
  if (!e.request_method.empty()) {
    sep();
    entries_ += R"("request":{"method":)";
    json::AppendQuoted(entries_, e.request_method);
    entries_ += R"(,"url":)";
    json::AppendQuoted(entries_, e.request_url);
    entries_.push_back('}');
  }
  if (!e.response_status.empty()) {
    sep();
    entries_ += R"("response":{"status":)";
    json::AppendQuoted(entries_, e.response_status);
    if (!e.response_location.empty()) {
      entries_ += R"(,"location":)";
      json::AppendQuoted(entries_, e.response_location);
    }
    if (!e.response_etag.empty()) {
      entries_ += R"(,"etag":)";
      json::AppendQuoted(entries_, e.response_etag);
    }
    if (e.response_last_modified) {
      entries_ += R"(,"lastModified":)";
      json::AppendQuoted(entries_, FormatInstant(*e.response_last_modified));
    }
    if (!e.response_outcome.empty()) {
      entries_ += R"(,"outcome":)";
      entries_ += e.response_outcome;
    }
    entries_.push_back('}');
  }
  entries_.push_back('}');
}

std::string BundleWriter::Finish() const {
  std::string out = R"({"resourceType":"Bundle","id":)";
  json::AppendQuoted(out, id_);
  out += R"(,"meta":{"lastUpdated":)";
  json::AppendQuoted(out, FormatInstant(now_));
  out += R"(},"type":)";
  json::AppendQuoted(out, type_);
  if (total_) out += R"(,"total":)" + std::to_string(*total_);
  if (!links_.empty()) out += R"(,"link":[)" + links_ + "]";
  if (!entries_.empty()) out += R"(,"entry":[)" + entries_ + "]";
  out.push_back('}');
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == ',' || c == '|' ||
                      c == '$';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string EncodeQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += UrlEncode(k);
    out.push_back('=');
    out += UrlEncode(v);
  }
  return out;
}

}  // namespace kiln::rest
