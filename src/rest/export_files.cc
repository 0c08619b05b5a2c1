#include "rest/export_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiln::rest {

namespace {

// Writes go to the kernel in pieces of about this size: few system calls, bounded memory.
constexpr size_t kBufferBytes = 4 << 20;

Error FileError(std::string_view what, const std::string& path) {
  // The path is the server's own, below its data directory; the client sees the reason only.
  return Error::Make(Issue::kException, "Cannot " + std::string(what) +
                                            " an export file: " + std::strerror(errno) + " (" +
                                            std::filesystem::path(path).filename().string() + ")");
}

Result<> WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return FileError("write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok{};
}

Result<> SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError("open the directory of", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return FileError("sync the directory of", dir);
  return Ok{};
}

}  // namespace

NdjsonOutput::NdjsonOutput(std::string dir, int64_t per_file)
    : dir_(std::move(dir)), per_file_(std::max<int64_t>(1, per_file)) {
  buffer_.reserve(kBufferBytes + (64 << 10));
}

NdjsonOutput::~NdjsonOutput() {
  if (fd_ >= 0) ::close(fd_);
}

Result<> NdjsonOutput::StartType(std::string_view type) {
  if (fd_ >= 0) KILN_TRY(Close());
  if (type_ != type) next_number_ = 1;
  type_ = std::string(type);
  return Ok{};
}

Result<> NdjsonOutput::Add(std::string_view json) {
  if (fd_ < 0 || files_.back().count == per_file_) KILN_TRY(Open());
  buffer_.append(json);
  buffer_.push_back('\n');
  ++files_.back().count;
  if (buffer_.size() >= kBufferBytes) KILN_TRY(Flush());
  return Ok{};
}

Result<> NdjsonOutput::Open() {
  if (fd_ >= 0) KILN_TRY(Close());
  File file{type_, type_ + "-" + std::to_string(next_number_++) + ".ndjson", 0};
  std::string path = dir_ + "/" + file.name;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) return FileError("create", path);
  written_ = 0;
  files_.push_back(std::move(file));
  return Ok{};
}

Result<> NdjsonOutput::Flush() {
  if (buffer_.empty()) return Ok{};
  const std::string path = dir_ + "/" + files_.back().name;
  KILN_TRY(WriteAll(fd_, buffer_, path));
  // Start writing these pages to disk now, so that the fsync at the end of the file has little
  // left to wait for and dirty pages do not pile up in memory.
  (void)::sync_file_range(fd_, written_, static_cast<off_t>(buffer_.size()), SYNC_FILE_RANGE_WRITE);
  written_ += static_cast<int64_t>(buffer_.size());
  buffer_.clear();
  return Ok{};
}

Result<> NdjsonOutput::Close() {
  Result<> done = Flush();
  if (done && ::fdatasync(fd_) != 0) done = FileError("sync", dir_ + "/" + files_.back().name);
  ::close(fd_);
  fd_ = -1;
  return done;
}

Result<> NdjsonOutput::Finish() {
  if (fd_ >= 0) KILN_TRY(Close());
  return SyncDirectory(dir_);
}

Result<> WriteFileAtomically(const std::string& path, std::string_view content, bool sync) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return FileError("create", tmp);
  Result<> written = WriteAll(fd, content, tmp);
  if (written && sync && ::fdatasync(fd) != 0) written = FileError("sync", tmp);
  ::close(fd);
  if (!written) return written;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return FileError("rename", tmp);
  return sync ? SyncDirectory(std::filesystem::path(path).parent_path().string()) : Result<>(Ok{});
}

Result<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileError("read", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace kiln::rest
