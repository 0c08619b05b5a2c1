// Auditing (docs/audit.md): an R4 AuditEvent (hl7.org/fhir/R4/auditevent.html), following the
// FHIR security page's conventions for RESTful events (hl7.org/fhir/R4/security.html#audit) and
// IHE Basic Audit Log Patterns, for every request that touches patient data: reads, searches,
// writes and operations, succeeded, failed or denied, in the tenant where it happened.
//
// Records are queued by the request threads and stored by background writers in batches (one
// store commit per tenant per batch), so a read does not wait for its AuditEvent's fsync. The
// queue is bounded: when it is full, Record waits for room (back-pressure) rather than drop a
// record. Durability: an AuditEvent is durable once its batch commits, usually within
// milliseconds of the response; a crash (kill -9, power loss) loses the records still queued,
// at most `queue_capacity` of them. A graceful stop (the destructor) stores everything queued.
//
// Thread-safety: Record may be called from any number of threads; Flush too. Borrows the model,
// registry, store and clock, which must outlive it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/model.h"
#include "core/time.h"
#include "rest/rest.h"
#include "search/search.h"
#include "store/store.h"

namespace kiln::audit {

struct AuditOptions {
  size_t queue_capacity = 20'000;  // records waiting to be stored; Record blocks beyond
  size_t batch_size = 512;         // records per commit, at most
  int writers = 2;                 // writer threads: one builds a batch while another waits for its commit
  std::string observer = "Kiln FHIR server";  // AuditEvent.source.observer.display
  // The process's writes in flight (rest/write_fence.h): each batch holds a ticket while it is
  // built and committed, so bulk export's transactionTime accounts for AuditEvents too. Null: none.
  rest::WriteFence* fence = nullptr;
};

class AuditLog final : public rest::AuditSink {
 public:
  // `registry` is the core one: AuditEvents are indexed with R4's own AuditEvent parameters.
  AuditLog(const core::Model& model, const search::Registry& registry, store::Store& store,
           const Clock& clock, AuditOptions options = {});
  ~AuditLog() override;  // stores what is queued, then stops the writer
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void Record(const rest::Request& request, const rest::Response& response,
              const rest::Access* access) const override;
  // Waits until every record queued before the call is stored (or failed, which is logged).
  void Flush() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace kiln::audit
