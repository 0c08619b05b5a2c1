#include "store/sqlite/wal_batching_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace kiln::store::sqlite {

namespace {

constexpr int kFrameHeaderBytes = 24;  // a WAL frame's header (fileformat2.html#walformat)
// The unix VFS writes at most 128 KiB - 1 bytes per call (seekAndWriteFd masks the length with
// 0x1ffff), and reports a length that is a multiple of 128 KiB as a full disk.
constexpr size_t kMaxWrite = size_t{64} << 10;
constexpr size_t kMaxGathered = size_t{8} << 20;  // a huge transaction is written in 8 MiB pieces

sqlite3_vfs* Base(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

// The gathered appends of one WAL file.
struct Gather {
  std::string bytes;  // not yet written, for the file range starting at `start`
  sqlite3_int64 start = 0;
  bool commit_header = false;  // the last write was a commit frame's header: its page follows
};

// What SQLite holds for a WAL file (plain data, so that it can be one), followed in the same
// allocation by the default VFS's own file.
struct WalFile {
  sqlite3_file base;  // first: SQLite sees a WalFile as an sqlite3_file
  sqlite3_file* real;
  Gather* gather;

  const sqlite3_io_methods* Real() const { return real->pMethods; }

  int Flush() {
    Gather& g = *gather;
    if (g.bytes.empty()) return SQLITE_OK;
    int rc = SQLITE_OK;
    for (size_t done = 0; done < g.bytes.size() && rc == SQLITE_OK; done += kMaxWrite) {
      size_t n = std::min(kMaxWrite, g.bytes.size() - done);
      rc = Real()->xWrite(real, g.bytes.data() + done, static_cast<int>(n),
                          g.start + static_cast<sqlite3_int64>(done));
    }
    g.bytes.clear();  // on failure SQLite fails the transaction and rewrites what it needs
    g.commit_header = false;
    return rc;
  }

  int Write(const void* data, int amount, sqlite3_int64 offset) {
    Gather& g = *gather;
    if (!g.bytes.empty() && offset != g.start + static_cast<sqlite3_int64>(g.bytes.size())) {
      if (int rc = Flush(); rc != SQLITE_OK) return rc;
    }
    if (g.bytes.empty()) g.start = offset;
    g.bytes.append(static_cast<const char*>(data), static_cast<size_t>(amount));
    if (g.commit_header) return Flush();  // the commit frame is complete: the transaction is written
    if (amount == kFrameHeaderBytes) {
      // Bytes 4-7 of a frame header: the database size in pages after a commit, zero otherwise.
      const auto* h = static_cast<const unsigned char*>(data);
      g.commit_header = (h[4] | h[5] | h[6] | h[7]) != 0;
    }
    if (g.bytes.size() >= kMaxGathered) return Flush();
    return SQLITE_OK;
  }
};
static_assert(std::is_standard_layout_v<WalFile>);

WalFile* Wal(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }

// Every operation but a write first writes what was gathered, so the file is exactly what
// SQLite wrote whenever anything (SQLite itself included) can look at it.
template <typename F>
int Flushed(sqlite3_file* f, F&& op) {
  if (int rc = Wal(f)->Flush(); rc != SQLITE_OK) return rc;
  return op(Wal(f)->real, Wal(f)->Real());
}

int Close(sqlite3_file* f) {
  WalFile* w = Wal(f);
  int flushed = w->Flush();
  int rc = w->Real()->xClose(w->real);
  delete w->gather;
  w->gather = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  return Flushed(
      f, [&](sqlite3_file* r, const sqlite3_io_methods* m) { return m->xRead(r, out, amount, offset); });
}

int Write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  return Wal(f)->Write(data, amount, offset);
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Flushed(f, [&](sqlite3_file* r, const sqlite3_io_methods* m) { return m->xTruncate(r, size); });
}

int Sync(sqlite3_file* f, int flags) {
  return Flushed(f, [&](sqlite3_file* r, const sqlite3_io_methods* m) { return m->xSync(r, flags); });
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Flushed(f, [&](sqlite3_file* r, const sqlite3_io_methods* m) { return m->xFileSize(r, size); });
}

int Lock(sqlite3_file* f, int level) {
  return Flushed(f, [&](sqlite3_file* r, const sqlite3_io_methods* m) { return m->xLock(r, level); });
}

int Unlock(sqlite3_file* f, int level) {
  return Flushed(f, [&](sqlite3_file* r, const sqlite3_io_methods* m) { return m->xUnlock(r, level); });
}

int CheckReservedLock(sqlite3_file* f, int* out) {
  return Flushed(f,
                 [&](sqlite3_file* r, const sqlite3_io_methods* m) { return m->xCheckReservedLock(r, out); });
}

int FileControl(sqlite3_file* f, int op, void* arg) {
  return Flushed(f,
                 [&](sqlite3_file* r, const sqlite3_io_methods* m) { return m->xFileControl(r, op, arg); });
}

int SectorSize(sqlite3_file* f) { return Wal(f)->Real()->xSectorSize(Wal(f)->real); }

int DeviceCharacteristics(sqlite3_file* f) { return Wal(f)->Real()->xDeviceCharacteristics(Wal(f)->real); }

// Shared memory and memory mapping belong to the database file, not to its WAL; forwarded all
// the same, in case a VFS ever asks.
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Flushed(f, [&](sqlite3_file* r, const sqlite3_io_methods* m) {
    return m->iVersion >= 2 ? m->xShmMap(r, region, size, extend, out) : SQLITE_IOERR_SHMMAP;
  });
}

int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Flushed(f, [&](sqlite3_file* r, const sqlite3_io_methods* m) {
    return m->iVersion >= 2 ? m->xShmLock(r, offset, n, flags) : SQLITE_IOERR_SHMLOCK;
  });
}

void ShmBarrier(sqlite3_file* f) {
  (void)Flushed(f, [&](sqlite3_file* r, const sqlite3_io_methods* m) {
    if (m->iVersion >= 2) m->xShmBarrier(r);
    return SQLITE_OK;
  });
}

int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Flushed(f, [&](sqlite3_file* r, const sqlite3_io_methods* m) {
    return m->iVersion >= 2 ? m->xShmUnmap(r, delete_flag) : SQLITE_OK;
  });
}

int Fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return Flushed(f, [&](sqlite3_file* r, const sqlite3_io_methods* m) {
    if (m->iVersion >= 3) return m->xFetch(r, offset, amount, out);
    *out = nullptr;
    return SQLITE_OK;
  });
}

int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  return Flushed(f, [&](sqlite3_file* r, const sqlite3_io_methods* m) {
    return m->iVersion >= 3 ? m->xUnfetch(r, offset, p) : SQLITE_OK;
  });
}

const sqlite3_io_methods kWalMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

constexpr size_t RealOffset() {
  return (sizeof(WalFile) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) *
         alignof(std::max_align_t);
}

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  sqlite3_vfs* base = Base(vfs);
  if ((flags & SQLITE_OPEN_WAL) == 0) return base->xOpen(base, name, f, flags, out_flags);
  auto* real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + RealOffset());
  int rc = base->xOpen(base, name, real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (real->pMethods != nullptr) real->pMethods->xClose(real);
    f->pMethods = nullptr;
    return rc;
  }
  WalFile* w = Wal(f);
  w->real = real;
  w->gather = new Gather();
  w->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

// The rest of the VFS is the default one's.
int Delete(sqlite3_vfs* v, const char* name, int sync_dir) {
  return Base(v)->xDelete(Base(v), name, sync_dir);
}
int Access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return Base(v)->xAccess(Base(v), name, flags, out);
}
int FullPathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return Base(v)->xFullPathname(Base(v), name, n, out);
}
void* DlOpen(sqlite3_vfs* v, const char* name) { return Base(v)->xDlOpen(Base(v), name); }
void DlError(sqlite3_vfs* v, int n, char* out) { Base(v)->xDlError(Base(v), n, out); }
void (*DlSym(sqlite3_vfs* v, void* lib, const char* sym))(void) { return Base(v)->xDlSym(Base(v), lib, sym); }
void DlClose(sqlite3_vfs* v, void* lib) { Base(v)->xDlClose(Base(v), lib); }
int Randomness(sqlite3_vfs* v, int n, char* out) { return Base(v)->xRandomness(Base(v), n, out); }
int Sleep(sqlite3_vfs* v, int micros) { return Base(v)->xSleep(Base(v), micros); }
int CurrentTime(sqlite3_vfs* v, double* out) { return Base(v)->xCurrentTime(Base(v), out); }
int GetLastError(sqlite3_vfs* v, int n, char* out) { return Base(v)->xGetLastError(Base(v), n, out); }
int CurrentTimeInt64(sqlite3_vfs* v, sqlite3_int64* out) { return Base(v)->xCurrentTimeInt64(Base(v), out); }
int SetSystemCall(sqlite3_vfs* v, const char* name, sqlite3_syscall_ptr p) {
  return Base(v)->xSetSystemCall(Base(v), name, p);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs* v, const char* name) {
  return Base(v)->xGetSystemCall(Base(v), name);
}
const char* NextSystemCall(sqlite3_vfs* v, const char* name) {
  return Base(v)->xNextSystemCall(Base(v), name);
}

}  // namespace

const char* WalBatchingVfs() {
  static const char* const name = [] {
    static sqlite3_vfs vfs{};
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    vfs.iVersion = base->iVersion;  // 3 for the unix VFS; fewer methods are then unused
    vfs.szOsFile = static_cast<int>(RealOffset()) + base->szOsFile;
    vfs.mxPathname = base->mxPathname;
    vfs.zName = "kiln-wal-batching";
    vfs.pAppData = base;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    vfs.xSetSystemCall = SetSystemCall;
    vfs.xGetSystemCall = GetSystemCall;
    vfs.xNextSystemCall = NextSystemCall;
    sqlite3_vfs_register(&vfs, 0);
    return vfs.zName;
  }();
  return name;
}

}  // namespace kiln::store::sqlite
