// The clients and users part of the admin API (docs/security.md#the-admin-api-clients-and-users):
// what `kiln client` and `kiln user` do, over HTTP.
#include <functional>
#include <string>
#include <vector>

#include "auth/admin_bodies.h"
#include "auth/auth.h"
#include "auth/oauth.h"
#include "core/json.h"

namespace kiln::auth {

namespace {

constexpr std::string_view kClients = "clients";
constexpr std::string_view kUsers = "users";
constexpr std::string_view kMemberships = "memberships";

bool IsGet(const rest::Request& req) { return req.method == "GET" || req.method == "HEAD"; }

rest::Response NoContent() {
  rest::Response res;
  res.status = 204;
  return res;
}

// 201 with `json` (the new record; no-store, as it may hold a made-up secret) at {base}/{part}/{id}.
rest::Response Created(const rest::Request& req, std::string_view part, const std::string& id,
                       std::string json) {
  rest::Response res = JsonResponse(std::move(json), 201);
  res.SetHeader("Location", req.base_url + "/" + std::string(part) + "/" + id);
  return res;
}

// The store's calls on one kind of record (clients, users), and its JSON.
template <class Record>
struct Collection {
  std::function<Result<std::vector<Record>>()> list;
  std::function<Result<Record>(const std::string& id)> get;
  std::function<Result<Ok>(const std::string& id)> remove;
  std::function<std::string(const Record&)> to_json;
};

// {part}: GET lists the records as {"<part>": [...]}, POST is `create`'s; {part}/{id}: GET reads
// one, DELETE deletes it (204).
template <class Record>
rest::Response Serve(const rest::Request& req, std::string_view part, std::string_view id,
                     const Collection<Record>& records, const std::function<rest::Response()>& create) {
  if (id.empty()) {
    if (req.method == "POST") return create();
    if (!IsGet(req)) return rest::MethodNotAllowedFor(req, "GET, POST");
    auto all = records.list();
    if (!all) return rest::ErrorResponseFor(all.error());
    std::string out = "{";
    json::AppendQuoted(out, part);
    out += ":[";
    for (const Record& r : *all) {
      if (out.back() != '[') out.push_back(',');
      out += records.to_json(r);
    }
    return JsonResponse(out + "]}");
  }
  if (IsGet(req)) {
    auto one = records.get(std::string(id));
    if (!one) return rest::ErrorResponseFor(one.error());
    return JsonResponse(records.to_json(*one));
  }
  if (req.method != "DELETE") return rest::MethodNotAllowedFor(req, "GET, DELETE");
  if (auto deleted = records.remove(std::string(id)); !deleted)
    return rest::ErrorResponseFor(deleted.error());
  return NoContent();
}

// "users/alice/memberships" as {"users", "alice", "memberships"}.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == path.npos ? path.npos : slash - start));
    if (slash == path.npos) return out;
    start = slash + 1;
  }
}

}  // namespace

AdminApi::AdminApi(store::Store& store, std::string key_file, const Clock& clock, const AuthServer* tokens)
    : store_(store), key_file_(std::move(key_file)), clock_(clock), tokens_(tokens) {}

rest::Response AdminApi::Handle(const rest::Request& req) const {
  std::vector<std::string_view> at = Segments(req.path);
  bool named = at.size() == 1 || !at[1].empty();  // "clients/" names none
  if (at[0] == kClients && named && at.size() <= 2) return Clients(req, at.size() == 2 ? at[1] : "");
  if (at[0] == kUsers && named && (at.size() <= 2 || (at.size() == 3 && at[2] == kMemberships)))
    return Users(req, at.size() >= 2 ? at[1] : "", at.size() == 3 ? at[2] : "");
  return rest::ErrorResponseFor(Error::Make(Issue::kNotFound, "Nothing is served at /" + req.path));
}

rest::Response AdminApi::Clients(const rest::Request& req, std::string_view id) const {
  Collection<store::ClientRecord> clients{
      .list = [this] { return store_.ListClients(); },
      .get = [this](const std::string& c) { return store_.GetClient(c); },
      // As `kiln client delete`: the registration goes, with its codes and refresh tokens, so its
      // secret, keys and refresh tokens stop working at once; and so do the access tokens it
      // already holds (docs/security.md).
      .remove = [this](const std::string& c) -> Result<Ok> {
        KILN_TRY(store_.DeleteClient(c));
        if (tokens_ != nullptr) tokens_->ClientDeleted(c);  // a token checked from now on finds it gone
        return Ok{};
      },
      .to_json = [](const store::ClientRecord& c) { return ClientJson(c); },
  };
  return Serve(req, kClients, id, clients, [&] {
    auto body = ReadClientBody(req.body);
    if (!body) return rest::ErrorResponseFor(body.error());
    auto made = RegisterClient(store_, key_file_, body->spec, clock_.Now());
    if (!made) return rest::ErrorResponseFor(made.error());
    return Created(req, kClients, made->id, ClientJson(*made, body->made_up_secret ? body->spec.secret : ""));
  });
}

rest::Response AdminApi::Users(const rest::Request& req, std::string_view id, std::string_view below) const {
  if (!below.empty()) {
    if (req.method != "POST") return rest::MethodNotAllowedFor(req, "POST");
    auto changes = ReadMembershipChanges(req.body);
    if (!changes) return rest::ErrorResponseFor(changes.error());
    auto changed = ChangeMemberships(store_, std::string(id), *changes);
    if (!changed) return rest::ErrorResponseFor(changed.error());
    return JsonResponse(UserJson(*changed));
  }
  Collection<store::UserRecord> users{
      .list = [this] { return store_.ListUsers(); },
      .get = [this](const std::string& u) { return store_.GetUser(u); },
      // And their memberships, codes and refresh tokens; their access tokens stop working too.
      .remove = [this](const std::string& u) -> Result<Ok> {
        KILN_TRY(store_.DeleteUser(u));
        if (tokens_ != nullptr) tokens_->UserDeleted(u);
        return Ok{};
      },
      .to_json = [](const store::UserRecord& u) { return UserJson(u); },
  };
  return Serve(req, kUsers, id, users, [&] {
    auto body = ReadUserBody(req.body);
    if (!body) return rest::ErrorResponseFor(body.error());
    auto made = RegisterUser(store_, body->spec, clock_.Now());
    if (!made) return rest::ErrorResponseFor(made.error());
    return Created(req, kUsers, made->id, UserJson(*made, body->made_up_password ? body->spec.password : ""));
  });
}

}  // namespace kiln::auth
