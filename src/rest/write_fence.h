// The writes in flight in this process, so that a bulk export can pick a transactionTime that
// splits them cleanly (hl7.org/fhir/uv/bulkdata/export.html, Response - Complete Status: the
// export "SHALL include any matching resources modified up to and including this instant" and
// "SHOULD NOT include any resources modified after" it; "a FHIR server might need to wait for
// any pending transactions to resolve in its database before starting the export").
//
// A write takes its meta.lastUpdated from the clock, then waits for the store to commit it; the
// store's commit order is not the order of those instants. A writer holds a Ticket from before it
// reads the clock until its commit returns (committed or failed). Settle closes the gate to new
// tickets, waits until every ticket is back, picks T = now and waits until the clock is past T;
// the export then starts its read snapshot and opens the gate again (Settled::Open). That
// snapshot holds every write with lastUpdated <= T, and every later write has lastUpdated > T.
//
// It assumes the clock does not step backwards, and it sees only the writers of this process
// that take tickets (the REST API and the audit log): another process writing into the same
// database (a second server on PostgreSQL, `kiln import` alongside `kiln serve`) is not waited
// for (docs/fhir-server.md, Bulk Data export).
//
// Thread-safety: every method may be called from any thread. A thread holding a Ticket must not
// ask for another one (Begin would wait for a Settle that waits for the first ticket).
#pragma once

#include <condition_variable>
#include <mutex>

#include "core/time.h"

namespace kiln::rest {

class WriteFence {
 public:
  explicit WriteFence(const Clock& clock) : clock_(clock) {}
  WriteFence(const WriteFence&) = delete;
  WriteFence& operator=(const WriteFence&) = delete;

  // Held by one write while it is in flight; given back when destroyed.
  class Ticket {
   public:
    explicit Ticket(WriteFence* fence) : fence_(fence) {}
    Ticket(Ticket&& other) noexcept : fence_(other.fence_) { other.fence_ = nullptr; }
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket();

   private:
    WriteFence* fence_;  // null once moved from
  };

  // Call before the write reads the clock for its timestamps; keep the ticket until the store's
  // Commit has returned. Waits while a Settle has the gate closed (for as long as the writes
  // already in flight take, and the snapshot takes to start).
  Ticket Begin();

  // The gate closed by Settle: no write is in flight until Open (or the destructor) opens it.
  class Settled {
   public:
    Settled(WriteFence* fence, Micros time) : fence_(fence), time_(time) {}
    Settled(const Settled&) = delete;
    Settled& operator=(const Settled&) = delete;
    ~Settled() { Open(); }
    Micros time() const { return time_; }  // T: every write in flight before has lastUpdated <= T
    void Open();                           // idempotent

   private:
    WriteFence* fence_;  // null once open
    Micros time_;
  };

  // Closes the gate and waits for the writes in flight: see the top of this file. Open the gate
  // as soon as the snapshot has started: writes wait meanwhile.
  Settled Settle();

 private:
  void End();
  void OpenGate();

  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable changed_;
  int in_flight_ = 0;         // GUARDED_BY(mu_)
  bool gate_closed_ = false;  // GUARDED_BY(mu_); one Settle at a time closes it
};

}  // namespace kiln::rest
