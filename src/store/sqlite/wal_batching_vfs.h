// A SQLite VFS that writes each transaction's WAL frames to the file in one system call.
// SQLite appends a frame as two writes (its 24-byte header, then the page), so a commit that
// touched 75 pages costs 150 pwrite calls; on the 2-core benchmark machine that took ~600 µs
// against ~240 µs for the same bytes written at once (bench/README.md, "WAL write batching").
//
// It wraps the default VFS and changes only files opened as a WAL: their appends are gathered
// in memory and written when the commit frame (a frame header whose "database size after
// commit" is non-zero, https://www.sqlite.org/fileformat2.html#walformat) is complete, before
// any other operation on the file (read, sync, truncate, size, lock, close, file control), when
// a write does not extend the gathered bytes, and past a size cap. SQLite publishes frames to
// readers (the wal-index) only after its last frame write returns, so readers never see a frame
// that is not in the file yet; durability is unchanged, as the WAL syncer (durability.h) syncs
// after the commit returned. Private to src/store/sqlite/.
#pragma once

namespace kiln::store::sqlite {

// The name to pass to sqlite3_open_v2; registers the VFS on first use. Thread-safe.
const char* WalBatchingVfs();

}  // namespace kiln::store::sqlite
