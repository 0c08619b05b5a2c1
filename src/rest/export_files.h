// The files of a bulk export job on disk: ndjson output written through a large buffer and made
// durable before the job is declared complete, and small files (job description, manifest)
// replaced atomically. Private to src/rest/.
//
// Not thread-safe: one NdjsonOutput belongs to the one thread that runs its job.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kiln::rest {

// The output of one job: one file after another, each holding resources of one type, at most
// `per_file` of them, one per line ("<Type>-<n>.ndjson", n from 1 for each type).
class NdjsonOutput {
 public:
  struct File {
    std::string type;
    std::string name;
    int64_t count = 0;
  };

  NdjsonOutput(std::string dir, int64_t per_file);
  ~NdjsonOutput();  // closes a file still open, without syncing it
  NdjsonOutput(const NdjsonOutput&) = delete;
  NdjsonOutput& operator=(const NdjsonOutput&) = delete;

  // Resources of `type` follow: closes (and fsyncs) the current file; the next Add starts a file
  // of that type.
  Result<> StartType(std::string_view type);
  // Appends `json` and a newline. REQUIRES: StartType was called; `json` holds no newline
  // (stored resources are minified).
  Result<> Add(std::string_view json);
  // Writes out and fsyncs the last file, and fsyncs the directory: every file listed is durable.
  Result<> Finish();

  const std::vector<File>& files() const { return files_; }

 private:
  Result<> Open();
  Result<> Flush();
  Result<> Close();  // flushes and fsyncs the open file

  const std::string dir_;
  const int64_t per_file_;
  std::string type_;
  int next_number_ = 1;  // of the next file of type_
  int fd_ = -1;
  int64_t written_ = 0;  // bytes of the open file already handed to the kernel
  std::string buffer_;
  std::vector<File> files_;
};

// Replaces `path` with `content` so that after a crash it holds either its old content or all of
// the new: a temporary file, fsynced, renamed over `path`, then the directory fsynced. With
// `sync` false nothing waits for the disk: a crash of the process cannot tear the file, but a
// crash of the machine may leave the old content, or none.
Result<> WriteFileAtomically(const std::string& path, std::string_view content, bool sync = true);

// The whole content of a small file.
Result<std::string> ReadSmallFile(const std::string& path);

}  // namespace kiln::rest
