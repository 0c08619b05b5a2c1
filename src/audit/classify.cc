// Request shapes as rest/api.cc routes them (hl7.org/fhir/R4/http.html#summary), named by the
// restful-interaction codes; actions as the FHIR security page and IHE BALP use them: reads R,
// queries and operations E.
#include "audit/classify.h"

#include <cctype>
#include <vector>

namespace kiln::audit {

namespace {

constexpr std::string_view kPatient = "Patient";

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    size_t slash = path.find('/');
    if (slash != 0) out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

char ActionOf(std::string_view code) {
  if (code == "create") return 'C';
  if (code == "read" || code == "vread" || code == "history-instance") return 'R';
  if (code == "update" || code == "patch") return 'U';
  if (code == "delete") return 'D';
  return 'E';
}

std::string ByMethod(std::string_view method, std::string_view get, std::string_view post) {
  if (method == "GET" || method == "HEAD") return std::string(get);
  if (method == "POST") return std::string(post);
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return "delete";
  return "operation";
}

// The base and the paths outside any type.
void System(std::string_view method, const std::vector<std::string_view>& seg, Interaction& out) {
  out.audited = true;  // they may touch every type's data
  if (seg.empty()) {
    out.code = method == "POST" ? "transaction" : "search-system";
    out.search = out.code == "search-system";
  } else if (seg[0] == "_search") {
    out.code = "search-system";
    out.search = true;
  } else if (seg[0] == "_history") {
    out.code = "history-system";
    out.search = true;
  } else if (seg[0] == "metadata" || seg[0] == ".well-known") {
    out.audited = false;  // public, about the server only
  } else {
    out.code = "operation";
    out.operation = std::string(seg[0]);
  }
}

}  // namespace

bool IsPatientData(const search::Registry& registry, std::string_view type) {
  return type == kPatient || registry.CompartmentParams(kPatient, type) != nullptr;
}

Interaction Classify(const search::Registry& registry, std::string_view method, std::string_view path,
                     bool has_query) {
  Interaction out;
  std::vector<std::string_view> seg = Split(path);
  if (seg.empty() || !std::isupper(static_cast<unsigned char>(seg[0][0]))) {
    System(method, seg, out);
    out.action = ActionOf(out.code);
    return out;
  }
  out.type = std::string(seg[0]);
  std::string_view data_type = seg[0];
  if (seg.size() == 1) {
    out.code = ByMethod(method, "search-type", "create");
    out.search = out.code == "search-type";
    (void)has_query;  // PUT, PATCH and DELETE on a type are conditional: the criteria are a query
  } else if (seg[1] == "_search") {
    out.code = "search-type";
    out.search = true;
  } else if (seg[1] == "_history") {
    out.code = "history-type";
    out.search = true;
  } else if (seg[1].starts_with("$")) {
    out.code = "operation";
    out.operation = std::string(seg[1]);
  } else {
    out.id = std::string(seg[1]);
    if (seg.size() == 2) {
      out.code = ByMethod(method, "read", "operation");
    } else if (seg[2].starts_with("$")) {
      out.code = "operation";
      out.operation = std::string(seg[2]);
    } else if (seg[2] == "_history") {
      out.code = seg.size() == 4 ? "vread" : "history-instance";
      if (seg.size() == 4) out.version = std::string(seg[3]);
    } else {
      out.code = "search-type";  // [compartment]/[id]/[type]
      out.search = true;
      out.compartment_member = std::string(seg[2]);
      if (seg[0] != kPatient) data_type = seg[2];
    }
  }
  out.action = ActionOf(out.code);
  out.audited = IsPatientData(registry, data_type);
  out.audit_trail = data_type == "AuditEvent";
  return out;
}

}  // namespace kiln::audit
