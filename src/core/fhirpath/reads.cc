// Which top-level members of a resource an expression can reach (fhirpath.h, MembersRead): a
// conservative reading of the syntax tree that answers only for the shapes it fully
// understands, and nullopt for everything else.
#include <algorithm>
#include <set>

#include "core/fhirpath/ast.h"
#include "core/fhirpath/functions.h"

namespace kiln::fhirpath {

namespace {

using Names = std::set<std::string>;

bool MentionsResource(const Node& n) {
  if (n.kind == NodeKind::kResource) return true;
  if (n.source && MentionsResource(*n.source)) return true;
  for (const auto& a : n.args) {
    if (MentionsResource(*a)) return true;
  }
  return false;
}

// Functions whose result is made of their input's items (or of values computed from them), and
// whose arguments are literals, types, or expressions evaluated on each input item.
bool KeepsToItsInput(const Node& n) {
  static const std::set<std::string_view> kIterating = {"where", "select", "exists", "all", "repeat"};
  if (kIterating.contains(n.fn->name)) return true;
  for (const auto& a : n.args) {
    if (a->kind != NodeKind::kLiteral) return false;
  }
  return true;
}

// "Observation" on an Observation: the resource itself.
bool IsTheResource(const Node& n, std::string_view type) {
  return n.kind == NodeKind::kPath && !n.source && n.first_step_is_type && n.steps.size() == 1 &&
         n.steps[0] == type;
}

// The members of the evaluated resource that `n`, evaluated with the resource as its focus, can
// take nodes from; false when that cannot be told.
bool Reads(const Node& n, std::string_view type, Names& out) {
  switch (n.kind) {
    case NodeKind::kLiteral:
      return true;  // no node of the resource
    case NodeKind::kPath:
      if (n.source) return Reads(*n.source, type, out);
      if (!n.first_step_is_type) {
        out.insert(n.steps[0]);
        return true;
      }
      // "Observation.code": the type, then a member; just "Observation" is the resource itself.
      if (n.steps[0] != type || n.steps.size() < 2) return false;
      out.insert(n.steps[1]);
      return true;
    case NodeKind::kFunction:
      if (n.fn == nullptr || MentionsResource(n) || !KeepsToItsInput(n)) return false;
      if (!n.source || IsTheResource(*n.source, type)) {
        // On the resource itself only extension(url) is told apart: it reads `extension`.
        if (n.fn->name != "extension") return false;
        out.insert("extension");
        return true;
      }
      return Reads(*n.source, type, out);
    case NodeKind::kIndexer:
      return !MentionsResource(*n.args[0]) && Reads(*n.source, type, out);
    case NodeKind::kTypeOp:
      return Reads(*n.source, type, out);
    case NodeKind::kBinary:
      // a | b | c: `a` is the source, the others the arguments.
      if (n.op != Op::kUnion || !n.source || !Reads(*n.source, type, out)) return false;
      for (const auto& a : n.args) {
        if (!Reads(*a, type, out)) return false;
      }
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<std::vector<std::string>> MembersRead(const Expression& e, std::string_view type) {
  Names names;
  if (!Reads(e.root(), type, names)) return std::nullopt;
  return std::vector<std::string>(names.begin(), names.end());
}

bool HasAnyMember(const json::Value& resource, const std::vector<std::string>& names) {
  return MemberNames(resource).HasAny(names);
}

MemberNames::MemberNames(const json::Value& resource) {
  if (!resource.IsObject()) {
    all_ = true;
    return;
  }
  sorted_.reserve(resource.MemberCount());
  for (auto m = resource.MemberBegin(); m != resource.MemberEnd(); ++m) {
    std::string_view member(m->name.GetString(), m->name.GetStringLength());
    if (member.starts_with('_')) member.remove_prefix(1);
    sorted_.push_back(member);
  }
  std::sort(sorted_.begin(), sorted_.end());
}

bool MemberNames::HasAny(const std::vector<std::string>& names) const {
  if (all_) return true;
  for (const std::string& name : names) {
    // Every member that starts with `name` sorts at or after it, together.
    for (auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::string_view(name));
         it != sorted_.end() && it->starts_with(name); ++it) {
      if (it->size() == name.size() || ((*it)[name.size()] >= 'A' && (*it)[name.size()] <= 'Z')) return true;
    }
  }
  return false;
}

}  // namespace kiln::fhirpath
