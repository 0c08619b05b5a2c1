#include "store/postgres/connection.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <optional>

namespace kiln::store::postgres {

namespace {

// A libpq message without its trailing newline.
std::string Trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// Type OIDs (pg_type.h, stable across versions).
constexpr unsigned int kInt2 = 21, kInt4 = 23, kInt8 = 20, kFloat8 = 701, kText = 25, kBytea = 17,
                       kInt8Array = 1016;
// Prepared statements kept per connection; past this many (searches vary) they are all dropped.
constexpr size_t kMaxPrepared = 2048;
// A prepared statement is prepared again after this many runs, then after 4 times as many, and so
// on. PostgreSQL keeps a statement's generic plan, made from the table sizes of the moment it was
// planned, until the table is analyzed: one made while the tables were empty seq-scanned them on
// every run as they grew (a create's lock and write statements took 0.4 and 1 ms at 4,500
// resources) until autovacuum got to them. Planning again as the runs grow geometrically follows
// the growth at a negligible cost.
constexpr uint64_t kFirstReplan = 64;
constexpr uint64_t kReplanGrowth = 4;

uint64_t Be64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return be64toh(v);
}

std::string Be64Bytes(uint64_t v) {
  v = htobe64(v);
  return std::string(reinterpret_cast<const char*>(&v), 8);
}

bool TransientState(std::string_view state) {
  // 08: connection exceptions; 57P01-03: admin/crash shutdown, cannot connect now; 53300: too
  // many connections; 25P03/57014: idle or statement timeouts.
  return state.starts_with("08") || state.starts_with("57P") || state == "53300" || state == "57014";
}

}  // namespace

Params::Params(std::initializer_list<sql::SqlParam> values) {
  // Copied: the list's values may not outlive this constructor.
  for (const auto& v : values) {
    if (const auto* text = std::get_if<std::string>(&v)) {
      Own(kText, 1, *text);
    } else {
      Add(v);
    }
  }
}

Params::Params(const std::vector<sql::SqlParam>& values) {
  for (const auto& v : values) Add(v);
}

void Params::Own(unsigned int type, int format, std::string_view bytes) {
  values_.push_back({type, format, nullptr, owned_.size(), static_cast<int>(bytes.size())});
  owned_.append(bytes);
}

void Params::Int(int64_t v) { Own(kInt8, 1, Be64Bytes(static_cast<uint64_t>(v))); }

void Params::Real(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  Own(kFloat8, 1, Be64Bytes(bits));
}

void Params::Text(std::string_view v) {
  values_.push_back({kText, 1, v.data() ? v.data() : "", 0, static_cast<int>(v.size())});
}

void Params::Bytes(std::string_view v) {
  values_.push_back({kBytea, 1, v.data() ? v.data() : "", 0, static_cast<int>(v.size())});
}

void Params::IntArray(const std::vector<int64_t>& v) {
  std::string text = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) text.push_back(',');
    text += std::to_string(v[i]);
  }
  text.push_back('}');
  Own(kInt8Array, 0, text);
  owned_.push_back('\0');  // text-format parameters are C strings
}

void Params::Array(std::string_view element, const std::string& text) {
  static const std::pair<std::string_view, unsigned int> kArrayTypes[] = {
      {"int8", 1016}, {"int4", 1007}, {"int2", 1005}, {"float8", 1022}, {"text", 1009}, {"bytea", 1001}};
  unsigned int type = 0;
  for (const auto& [name, oid] : kArrayTypes)
    if (name == element) type = oid;
  Own(type, 0, text);
  owned_.push_back('\0');  // text-format parameters are C strings
}

void ArrayText::Next() {
  if (count_++ > 0) text_.push_back(',');
}

void ArrayText::Int(int64_t v) {
  Next();
  text_ += std::to_string(v);
}

void ArrayText::Real(double v) {
  Next();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  text_ += buf;
}

void ArrayText::Text(std::string_view v) {
  Next();
  text_.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') text_.push_back('\\');
    text_.push_back(c);
  }
  text_.push_back('"');
}

void ArrayText::Bytes(std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  Next();
  text_ += "\"\\\\x";  // "\\x: the element's backslash, escaped in the array literal
  for (unsigned char c : v) {
    text_.push_back(kHex[c >> 4]);
    text_.push_back(kHex[c & 15]);
  }
  text_.push_back('"');
}

const std::string& ArrayText::Done() {
  if (!done_) text_.push_back('}');
  done_ = true;
  return text_;
}

void Params::Add(const sql::SqlParam& v) {
  if (const auto* n = std::get_if<int64_t>(&v)) {
    Int(*n);
  } else if (const auto* d = std::get_if<double>(&v)) {
    Real(*d);
  } else {
    Text(std::get<std::string>(v));
  }
}

int64_t Rows::Int(int row, int col) const {
  const char* p = PQgetvalue(res_.get(), row, col);
  if (PQgetisnull(res_.get(), row, col)) return 0;
  switch (PQftype(res_.get(), col)) {
    case kInt2: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return static_cast<int16_t>(ntohs(v));
    }
    case kInt4: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return static_cast<int32_t>(ntohl(v));
    }
    case kInt8:
      return static_cast<int64_t>(Be64(p));
    default:
      return 0;
  }
}

double Rows::Real(int row, int col) const {
  if (PQgetisnull(res_.get(), row, col)) return 0;
  if (PQftype(res_.get(), col) != kFloat8) return static_cast<double>(Int(row, col));
  uint64_t bits = Be64(PQgetvalue(res_.get(), row, col));
  double v;
  std::memcpy(&v, &bits, 8);
  return v;
}

int64_t Rows::affected() const {
  const char* n = PQcmdTuples(res_.get());
  return n && *n ? std::stoll(n) : 0;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string why = Trimmed(conn ? PQerrorMessage(conn) : "out of memory");
    // Not where the server is (clients see this message): only why it failed.
    if (size_t at = why.rfind("failed: "); at != std::string::npos) why = why.substr(at + 8);
    if (conn) PQfinish(conn);
    return Error::Make(Issue::kTransient, "The database is not reachable: " + why);
  }
  auto c = std::unique_ptr<Connection>(new Connection(conn));
  // Timestamps are integers and all text is compared byte-wise (COLLATE "C" columns), so the
  // session needs nothing but UTF-8 and quiet notices.
  KILN_TRY(c->Run("SET client_encoding = 'UTF8'; SET client_min_messages = warning"));
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return lost_ || PQstatus(conn_) != CONNECTION_OK; }

Result<Rows> Connection::Check(PGresult* res, std::string_view what) {
  ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(res);
  std::string state =
      res && PQresultErrorField(res, PG_DIAG_SQLSTATE) ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : "";
  std::string message = Trimmed(res && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                                    ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                                    : PQerrorMessage(conn_));
  if (res) PQclear(res);
  if (PQstatus(conn_) != CONNECTION_OK || TransientState(state) || state.empty()) {
    lost_ = true;
    return Error::Make(Issue::kTransient, "The database is unavailable (" + message + ")");
  }
  if (state == "23505" || state == "40001" || state == "40P01") {
    return Error::Make(Issue::kConflict, "A concurrent write conflicted (" + message + ")");
  }
  return Error::Make(Issue::kException, "Storage error while " + std::string(what) + ": " + message +
                                            " (SQLSTATE " + state + ")");
}

// A statement's parameters as libpq takes them: pointers into `params`, valid while it is.
struct Wire {
  explicit Wire(const Params& params) {
    for (const auto& v : params.values_) {
      types.push_back(v.type);
      values.push_back(v.data ? v.data : params.owned_.data() + v.offset);
      lengths.push_back(v.length);
      formats.push_back(v.format);
    }
  }
  int size() const { return static_cast<int>(values.size()); }
  std::vector<unsigned int> types;
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
};

Result<std::string> Connection::Prepare(const std::string& sql, const Params& params) {
  auto it = prepared_.find(sql);
  uint64_t replan_after = kFirstReplan;
  if (it != prepared_.end() && ++it->second.runs > it->second.replan_after) {
    replan_after = it->second.replan_after * kReplanGrowth;
    KILN_TRY(Run("DEALLOCATE " + it->second.name));
    prepared_.erase(it);
    it = prepared_.end();
  }
  if (it == prepared_.end()) {
    if (prepared_.size() >= kMaxPrepared) {
      KILN_TRY(Run("DEALLOCATE ALL"));
      prepared_.clear();
    }
    // Built with append: GCC 12 misreports `"k" + std::to_string(n)` under -Wrestrict.
    std::string name(1, 'k');
    name.append(std::to_string(next_name_++));
    Wire w(params);
    KILN_TRY(Check(PQprepare(conn_, name.c_str(), NumberPlaceholders(sql).c_str(), w.size(), w.types.data()),
                   "preparing a statement"));
    it = prepared_.emplace(sql, Prepared{std::move(name), 1, replan_after}).first;
  }
  return it->second.name;
}

Result<Rows> Connection::Exec(const std::string& sql, const Params& params) {
  KILN_TRY_ASSIGN(std::string name, Prepare(sql, params));
  Wire w(params);
  return Check(
      PQexecPrepared(conn_, name.c_str(), w.size(), w.values.data(), w.lengths.data(), w.formats.data(), 1),
      "running a statement");
}

Error Connection::Lost() {
  lost_ = true;
  return Error::Make(Issue::kTransient,
                     "The database is unavailable (" + Trimmed(PQerrorMessage(conn_)) + ")");
}

Result<std::vector<Rows>> Connection::Pipeline(const std::vector<Statement>& statements) {
  // Prepared first, outside the pipeline; room for all of them, so that making room for one
  // cannot deallocate another.
  if (prepared_.size() + statements.size() > kMaxPrepared) {
    KILN_TRY(Run("DEALLOCATE ALL"));
    prepared_.clear();
  }
  std::vector<std::string> names;
  for (const Statement& s : statements) {
    std::string name;
    if (s.prepare) {
      KILN_TRY_ASSIGN(name, Prepare(*s.sql, *s.params));
    }
    names.push_back(std::move(name));
  }
  if (PQenterPipelineMode(conn_) != 1) return Lost();
  for (size_t i = 0; i < statements.size(); ++i) {
    const Statement& s = statements[i];
    Wire w(*s.params);
    int sent = s.prepare
                   ? PQsendQueryPrepared(conn_, names[i].c_str(), w.size(), w.values.data(), w.lengths.data(),
                                         w.formats.data(), 1)
                   : PQsendQueryParams(conn_, NumberPlaceholders(*s.sql).c_str(), w.size(), w.types.data(),
                                       w.values.data(), w.lengths.data(), w.formats.data(), 1);
    if (sent != 1) return Lost();
  }
  if (PQpipelineSync(conn_) != 1) return Lost();
  // Each statement's result (PGRES_PIPELINE_ABORTED after a failure), each followed by a null;
  // then the sync's.
  std::vector<Rows> rows;
  std::optional<Error> failed;
  for (size_t i = 0; i < statements.size(); ++i) {
    PGresult* res = PQgetResult(conn_);
    if (res == nullptr) return Lost();
    if (PQresultStatus(res) == PGRES_PIPELINE_ABORTED) {
      PQclear(res);
    } else if (auto r = Check(res, "running a statement"); r) {
      rows.push_back(std::move(r).value());
    } else {
      if (lost_) return std::move(r).error();
      if (!failed) failed = std::move(r).error();
    }
    while (PGresult* more = PQgetResult(conn_)) PQclear(more);
  }
  PGresult* sync = PQgetResult(conn_);
  bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync) PQclear(sync);
  if (!synced || PQexitPipelineMode(conn_) != 1) return Lost();
  if (failed) return *failed;
  return rows;
}

Result<Rows> Connection::ExecOnce(const std::string& sql, const Params& params) {
  Wire w(params);
  return Check(PQexecParams(conn_, NumberPlaceholders(sql).c_str(), w.size(), w.types.data(), w.values.data(),
                            w.lengths.data(), w.formats.data(), 1),
               "running a statement");
}

Result<> Connection::Run(const std::string& sql) {
  KILN_TRY(Check(PQexec(conn_, sql.c_str()), "running a statement"));
  return Ok{};
}

std::string NumberPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      out.push_back('$');
      out += std::to_string(++n);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace kiln::store::postgres
