// The router: picks an interaction from the method and the shape of the path below the base
// (hl7.org/fhir/R4/http.html#summary). Unknown paths are 404 and methods a path does not take
// are 405 with an Allow header, each with an OperationOutcome.
#include <vector>

#include "rest/authorize.h"
#include "rest/definitions.h"
#include "rest/export_jobs.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/rest.h"
#include "rest/router.h"
#include "rest/tenant_directory.h"

namespace kiln::rest {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    if (!seg.empty()) out.push_back(seg);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

namespace {

Response NotAllowed(const Call& call, std::string_view allow) {
  Response res =
      ErrorResponse(Error::Make(Issue::kNotSupported,
                                "Method " + call.req.method + " is not allowed on " +
                                    (call.req.path.empty() ? std::string("the base URL") : call.req.path),
                                405),
                    call.format);
  res.SetHeader("Allow", std::string(allow));
  return res;
}

Response NotFound(const Call& call, std::string message) {
  return ErrorResponse(Error::Make(Issue::kNotFound, std::move(message)), call.format);
}

bool Is(const Call& call, std::string_view method) {
  return call.req.method == method || (method == "GET" && call.req.method == "HEAD");
}

Response RouteBase(const Call& call, const std::vector<std::string_view>& seg) {
  if (seg.empty()) {
    if (Is(call, "GET")) return interaction::SearchSystem(call);
    if (Is(call, "POST")) {
      return interaction::BundlePost(call);
    }
    return NotAllowed(call, "GET, POST");
  }
  if (seg[0] == "_search" && seg.size() == 1) {
    return Is(call, "POST") || Is(call, "GET") ? interaction::SearchSystem(call)
                                               : NotAllowed(call, "GET, POST");
  }
  if (seg[0] == "metadata" && seg.size() == 1) {
    return Is(call, "GET") ? interaction::Capabilities(call) : NotAllowed(call, "GET");
  }
  // auth: the authorization server's configuration for this base (docs/security.md).
  if (seg[0] == ".well-known" && seg.size() == 2 && seg[1] == "smart-configuration" &&
      call.ctx.options.authorizer != nullptr) {
    return Is(call, "GET") ? call.ctx.options.authorizer->SmartConfiguration(call.req)
                           : NotAllowed(call, "GET");
  }
  if (seg[0] == "_history" && seg.size() == 1) {
    return Is(call, "GET") ? interaction::History(call) : NotAllowed(call, "GET");
  }
  if (seg[0] == "$reindex" && seg.size() == 1) {
    return Is(call, "POST") ? interaction::Reindex(call) : NotAllowed(call, "POST");
  }
  if (seg[0] == "$export" && seg.size() == 1) {
    return Is(call, "GET") || Is(call, "POST") ? interaction::Export(call) : NotAllowed(call, "GET, POST");
  }
  if (seg[0] == "_export" && (seg.size() == 2 || seg.size() == 3)) {
    Call job = call;
    job.route.id = std::string(seg[1]);
    if (seg.size() == 3) {
      job.route.file = std::string(seg[2]);
      return Is(call, "GET") ? interaction::ExportFile(job) : NotAllowed(call, "GET");
    }
    return Is(call, "GET") || Is(call, "DELETE") ? interaction::ExportStatus(job)
                                                 : NotAllowed(call, "GET, DELETE");
  }
  if (seg[0].starts_with("$")) return NotFound(call, "Unknown operation " + std::string(seg[0]));
  return NotFound(call, "Unknown resource type or path '" + std::string(seg[0]) + "'");
}

// PUT and PATCH on a type act on the resource their criteria match; without criteria, they
// are missing either those or an id.
Response Conditional(const Call& call, Response (*interaction)(const Call&), std::string_view what) {
  if (!call.req.query.empty()) return interaction(call);
  return ErrorResponse(Error::Make(Issue::kInvalid, call.req.method + " on a type needs search criteria (" +
                                                        std::string(what) + ") or an id in the URL"),
                       call.format);
}

Response RouteType(const Call& call, const std::vector<std::string_view>& seg) {
  if (seg.size() == 1) {
    if (Is(call, "GET")) return interaction::SearchType(call);
    if (Is(call, "POST")) return interaction::Create(call);
    if (Is(call, "PUT")) return Conditional(call, interaction::ConditionalUpdate, "conditional update");
    if (Is(call, "DELETE")) return interaction::ConditionalDelete(call);
    if (Is(call, "PATCH")) return Conditional(call, interaction::ConditionalPatch, "conditional patch");
    return NotAllowed(call, "GET, POST, PUT, DELETE, PATCH");
  }
  if (seg[1] == "_search" && seg.size() == 2) {
    return Is(call, "POST") || Is(call, "GET") ? interaction::SearchType(call)
                                               : NotAllowed(call, "GET, POST");
  }
  if (seg[1] == "_history" && seg.size() == 2) {
    return Is(call, "GET") ? interaction::History(call) : NotAllowed(call, "GET");
  }
  if (seg[1] == "$reindex" && seg.size() == 2) {
    return Is(call, "POST") ? interaction::Reindex(call) : NotAllowed(call, "POST");
  }
  if (seg.size() == 3 && seg[2] == "$everything" && call.route.type->name() == "Patient") {
    return Is(call, "GET") || Is(call, "POST") ? interaction::Everything(call)
                                               : NotAllowed(call, "GET, POST");
  }
  if ((seg.size() == 2 && seg[1] == "$export" && call.route.type->name() == "Patient") ||
      (seg.size() == 3 && seg[2] == "$export" && call.route.type->name() == "Group")) {
    return Is(call, "GET") || Is(call, "POST") ? interaction::Export(call) : NotAllowed(call, "GET, POST");
  }
  if (seg[1].starts_with("$") || (seg.size() > 2 && seg[2].starts_with("$"))) {
    return NotFound(call, "Unknown operation " + std::string(seg.size() > 2 ? seg[2] : seg[1]));
  }
  if (seg.size() == 2) {
    if (Is(call, "GET")) return interaction::Read(call);
    if (Is(call, "PUT")) return interaction::Update(call);
    if (Is(call, "DELETE")) return interaction::Delete(call);
    if (Is(call, "PATCH")) return interaction::Patch(call);
    return NotAllowed(call, "GET, PUT, DELETE, PATCH");
  }
  if (seg.size() == 3 && std::isupper(static_cast<unsigned char>(seg[2][0]))) {
    auto member = call.ctx.model.FindResourceType(seg[2]);
    if (!member) return NotFound(call, "Unknown resource type '" + std::string(seg[2]) + "'");
    Call compartment = call;
    compartment.route.compartment_member = *member;
    return Is(call, "GET") ? interaction::SearchCompartment(compartment) : NotAllowed(call, "GET");
  }
  if (seg[2] == "_history" && seg.size() == 3) {
    return Is(call, "GET") ? interaction::History(call) : NotAllowed(call, "GET");
  }
  if (seg[2] == "_history" && seg.size() == 4) {
    return Is(call, "GET") ? interaction::VRead(call) : NotAllowed(call, "GET");
  }
  return NotFound(call, "Unknown path '" + call.req.path + "'");
}

}  // namespace

Api::Api(const core::Model& model, const search::Registry& registry, store::Store& store, const Clock& clock,
         ApiOptions options)
    : model_(model),
      store_(store),
      clock_(clock),
      options_(std::move(options)),
      started_(clock.Now()),
      tenants_(std::make_unique<TenantDirectory>(registry, store, clock)),
      own_fence_(options_.write_fence == nullptr ? std::make_unique<WriteFence>(clock) : nullptr),
      fence_(options_.write_fence != nullptr ? *options_.write_fence : *own_fence_) {
  if (!options_.export_dir.empty()) {
    // Jobs use the core registry's compartment definitions, which every tenant shares. With
    // authorization, downloads need the requester's token ("requiresAccessToken SHALL be true if
    // both the file server and the FHIR API server control access using OAuth 2.0 bearer tokens").
    exports_ = std::make_unique<ExportJobs>(
        model, registry, store_, clock_, fence_,
        ExportOptions{options_.export_dir, options_.export_resources_per_file, options_.export_max_jobs,
                      options_.authorizer != nullptr, options_.export_retention_seconds});
  }
}

Api::~Api() = default;

Result<Ok> Api::LoadDefinitions(const store::TenantId& tenant) const {
  KILN_TRY_ASSIGN(auto registry, tenants_->Find(tenant));
  return LoadCustomSearchParameters(store_, *registry, tenant);
}

void Api::ForgetTenant(const store::TenantId& tenant) const { tenants_->Forget(tenant); }

Response RouteRequest(const Call& request) {
  Call call = request;
  std::vector<std::string_view> seg = Segments(call.req.path);
  // auth: what the route needs of the request's access (rest/authorize.cc).
  if (auto permitted = Permit(call, call.req.method, seg); !permitted) {
    Response res = ErrorResponse(permitted.error(), call.format);
    // 405 for a write of an append-only type: they are read and searched only (RFC 9110 15.5.6).
    if (res.status == 405) res.SetHeader("Allow", "GET, HEAD");
    return res;
  }
  if (seg.empty() || !std::isupper(static_cast<unsigned char>(seg[0][0]))) return RouteBase(call, seg);
  auto type = call.ctx.model.FindResourceType(seg[0]);
  if (!type) return NotFound(call, "Unknown resource type '" + std::string(seg[0]) + "'");
  call.route.type = *type;
  if (seg.size() >= 2 && !seg[1].starts_with("_") && !seg[1].starts_with("$"))
    call.route.id = std::string(seg[1]);
  if (seg.size() == 4) call.route.version = std::string(seg[3]);
  return RouteType(call, seg);
}

Response Api::Handle(const Request& req) const {
  auto format = Negotiate(req);
  if (!format) return ErrorResponse(format.error());
  // auth: the request's credentials (rest/authorize.cc), before anything tells whether its tenant
  // exists; `access` lives until the response.
  auto access = Authenticate(options_, req, *format);
  auto registry = tenants_->Find(req.tenant);
  if (!access) {
    Response refused = std::move(access).error();
    // audit: refused credentials too, in the tenant they were presented to, if there is one.
    if (options_.audit != nullptr && registry) options_.audit->Record(req, refused, nullptr);
    return refused;
  }
  // Every interaction below runs in this tenant, with this tenant's search parameters.
  if (!registry) return ErrorResponse(registry.error(), *format);
  Context ctx{model_, **registry, store_, clock_, options_, started_, exports_.get(), fence_};
  Response res = RouteRequest(Call{ctx, req, Route{}, *format, **access, nullptr});
  if (options_.audit != nullptr) options_.audit->Record(req, res, access->get());  // audit
  return res;
}

}  // namespace kiln::rest
