// The AuditEvent of one RESTful interaction (hl7.org/fhir/R4/auditevent.html): type `rest` with
// the interaction as subtype (hl7.org/fhir/R4/security.html#audit), the client (and user) as
// requesting agents, this server as the source, and as entities the resource or the query and
// each patient concerned (role 1 Patient, so that `AuditEvent?patient=` finds them).
#include <cctype>

#include "audit/record.h"
#include "core/base64.h"
#include "core/json.h"
#include "core/time.h"

namespace kiln::audit {

namespace {

constexpr std::string_view kEntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
constexpr std::string_view kObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";
// Identifier systems for Kiln's own principals: OAuth client ids and user ids of this server.
constexpr std::string_view kClientSystem = "urn:kiln:oauth-client";
constexpr std::string_view kUserSystem = "urn:kiln:user";

std::string Q(std::string_view s) { return json::Quote(s); }

std::string Coding(std::string_view system, std::string_view code, std::string_view display) {
  return "{\"system\":" + Q(system) + ",\"code\":" + Q(code) + ",\"display\":" + Q(display) + "}";
}

// AuditEvent.outcome (hl7.org/fhir/R4/valueset-audit-event-outcome.html): 0 success, 4 minor
// failure (the request was refused or wrong: 4xx), 8 serious failure (the server failed: 5xx).
std::string_view OutcomeOf(int status) {
  if (status < 400) return "0";
  if (status < 500) return "4";
  return "8";
}

// An agent known by an identifier of one of Kiln's own systems; `type` its agent.type coding.
std::string Agent(std::string_view system, const std::string& value, const std::string& type,
                  bool requestor) {
  return "{\"type\":{\"coding\":[" + type + "]},\"who\":{\"identifier\":{\"system\":" + Q(system) +
         ",\"value\":" + Q(value) + "},\"display\":" + Q(value) + "},\"name\":" + Q(value) +
         ",\"requestor\":" + (requestor ? "true" : "false") + "}";
}

// The signed-in user's agent.type, as IHE BALP's user agent types have it
// (profiles.ihe.net/ITI/BALP/ValueSet/UserAgentTypesVS): information recipient for what reads,
// agent for what writes.
std::string UserType(char action) {
  if (action == 'C' || action == 'U' || action == 'D') {
    return Coding("http://terminology.hl7.org/CodeSystem/v3-RoleClass", "AGNT", "agent");
  }
  return Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP",
                "information recipient");
}

std::string Agents(const Captured& c) {
  std::vector<std::string> agents;
  if (!c.authenticated) {
    agents.push_back("{\"name\":\"unauthenticated\",\"requestor\":true}");
  } else if (c.client_id.empty()) {
    // --no-auth: nobody is known; the agent says so rather than being left out.
    agents.push_back("{\"name\":\"anonymous (authorization off)\",\"requestor\":true}");
  } else {
    // The requesting application (DICOM 110150 Application). It is the requestor unless it acts
    // for a signed-in user, who then is (AuditEvent.agent.requestor: the initiator of the event).
    agents.push_back(Agent(kClientSystem, c.client_id,
                           Coding("http://dicom.nema.org/resources/ontology/DCM", "110150", "Application"),
                           c.user.empty()));
  }
  if (!c.user.empty()) agents.push_back(Agent(kUserSystem, c.user, UserType(c.interaction.action), true));
  std::string out = "[";
  for (size_t i = 0; i < agents.size(); ++i) out += (i ? "," : "") + agents[i];
  return out + "]";
}

// What the request named: "Type/id", "Type/id/_history/v", or the created resource's.
std::string WhatReference(const Captured& c) {
  const Interaction& in = c.interaction;
  if (!c.location.empty()) {
    std::string_view loc = c.location;
    if (loc.starts_with(c.base_url + "/")) loc.remove_prefix(c.base_url.size() + 1);
    return std::string(loc);
  }
  if (in.type.empty() || in.id.empty() || !in.compartment_member.empty()) return {};
  std::string ref = in.type + "/" + in.id;
  std::string version = in.version;
  // The version a read returned (its ETag, W/"3"), or an update or patch wrote.
  if (version.empty() && c.status < 300 && c.etag.starts_with("W/\"") && c.etag.size() > 4) {
    version = c.etag.substr(3, c.etag.size() - 4);
  }
  if (!version.empty() && in.code != "delete") ref += "/_history/" + version;
  return ref;
}

std::string Entities(const Captured& c, const Findings& f) {
  const Interaction& in = c.interaction;
  std::vector<std::string> entities;
  std::string what = WhatReference(c);
  bool patient_named = !what.empty() && in.type == "Patient" && in.compartment_member.empty();
  if (!what.empty() && !patient_named) {
    entities.push_back("{\"what\":{\"reference\":" + Q(what) +
                       "},\"type\":" + Coding(kEntityType, "2", "System Object") +
                       ",\"role\":" + Coding(kObjectRole, "4", "Domain Resource") + "}");
  }
  if (in.search || !in.operation.empty()) {
    std::string e = "{\"type\":" + Coding(kEntityType, "2", "System Object") +
                    ",\"role\":" + Coding(kObjectRole, "24", "Query") +
                    ",\"description\":" + Q(c.method + " " + c.path + (c.query.empty() ? "" : "?" + c.query));
    if (!c.query.empty()) e += ",\"query\":" + Q(Base64Encode(c.query));
    entities.push_back(e + "}");
  }
  for (const std::string& p : f.patients) {
    std::string ref = "Patient/" + p;
    // A patient read or written is itself the entity (with its version, if named).
    if (patient_named && what.starts_with(ref) && (what.size() == ref.size() || what[ref.size()] == '/'))
      ref = what;
    entities.push_back("{\"what\":{\"reference\":" + Q(ref) +
                       "},\"type\":" + Coding(kEntityType, "1", "Person") +
                       ",\"role\":" + Coding(kObjectRole, "1", "Patient") + "}");
  }
  std::string out = "[";
  for (size_t i = 0; i < entities.size(); ++i) out += (i ? "," : "") + entities[i];
  return out + "]";
}

}  // namespace

std::string EventJson(const Captured& c, const Findings& f, const std::string& id,
                      const std::string& observer) {
  const Interaction& in = c.interaction;
  std::string recorded = FormatInstant(c.recorded);
  std::string j = "{\"resourceType\":\"AuditEvent\",\"id\":" + Q(id) +
                  ",\"meta\":{\"versionId\":\"1\",\"lastUpdated\":" + Q(recorded) + "}";
  j += ",\"type\":" +
       Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation");
  j += ",\"subtype\":[" + Coding("http://hl7.org/fhir/restful-interaction", in.code, in.code) + "]";
  j += ",\"action\":\"" + std::string(1, in.action) + "\"";
  j += ",\"recorded\":" + Q(recorded);
  j += ",\"outcome\":\"" + std::string(OutcomeOf(c.status)) + "\"";
  std::string desc = "HTTP " + std::to_string(c.status);
  if (!f.outcome_text.empty()) desc += ": " + f.outcome_text;
  j += ",\"outcomeDesc\":" + Q(desc);
  j += ",\"agent\":" + Agents(c);
  j += ",\"source\":{\"site\":" + Q(c.base_url) + ",\"observer\":{\"display\":" + Q(observer) +
       "},\"type\":[" +
       Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server") + "]}";
  std::string entities = Entities(c, f);
  if (entities != "[]") j += ",\"entity\":" + entities;
  // The request id ties the event to the server's log line for the same request.
  if (!c.request_id.empty()) {
    j += ",\"extension\":[{\"url\":\"urn:kiln:request-id\",\"valueString\":" + Q(c.request_id) + "}]";
  }
  return j + "}";
}

}  // namespace kiln::audit
