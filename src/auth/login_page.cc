#include "auth/login_page.h"

namespace kiln::auth {

namespace {

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}"
    "label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}"
    "button{margin:1rem .5rem 0 0;padding:.5rem 1.2rem}.error{color:#a00}code{background:#eee;padding:0 "
    ".2rem}";

rest::Response HtmlResponse(int status, std::string title, std::string body) {
  rest::Response res;
  res.status = status;
  res.content_type = "text/html; charset=utf-8";
  res.body = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + HtmlEscape(title) +
             "</title><meta name=\"viewport\" content=\"width=device-width\"><style>" + std::string(kStyle) +
             "</style></head><body>" + body + "</body></html>\n";
  res.SetHeader("Cache-Control", "no-store");
  res.SetHeader("Pragma", "no-cache");
  res.SetHeader("X-Frame-Options", "DENY");
  res.SetHeader("Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.SetHeader("Referrer-Policy", "no-referrer");
  return res;
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

rest::Response LoginPageResponse(const LoginPage& page, std::string cookie, int status) {
  std::string body = "<h1>Sign in to Kiln</h1><p>The application <code>" + HtmlEscape(page.client_id) +
                     "</code> asks for access to <code>" + HtmlEscape(page.aud) + "</code>:</p><ul>";
  for (const std::string& s : page.scopes) body += "<li><code>" + HtmlEscape(s) + "</code></li>";
  body += "</ul>";
  if (!page.error.empty()) body += "<p class=\"error\" role=\"alert\">" + HtmlEscape(page.error) + "</p>";
  body += "<form method=\"post\" action=\"authorize\">";
  body += "<input type=\"hidden\" name=\"request\" value=\"" + HtmlEscape(page.sealed_request) + "\">";
  body +=
      "<label for=\"user\">User</label><input id=\"user\" name=\"user\" autocomplete=\"username\" value=\"" +
      HtmlEscape(page.user) + "\" required>";
  body +=
      "<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" "
      "autocomplete=\"current-password\" required>";
  if (page.ask_patient) {
    body += "<label for=\"patient\">Patient (its id)</label><input id=\"patient\" name=\"patient\" required>";
  }
  body +=
      "<button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button>"
      "<button type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button></form>";
  rest::Response res = HtmlResponse(status, "Sign in to Kiln", std::move(body));
  res.SetHeader("Set-Cookie", std::move(cookie));
  return res;
}

rest::Response ErrorPage(int status, std::string_view title, std::string_view message) {
  return HtmlResponse(status, std::string(title),
                      "<h1>" + HtmlEscape(title) + "</h1><p>" + HtmlEscape(message) + "</p>");
}

}  // namespace kiln::auth
