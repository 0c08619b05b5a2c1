#include "rest/write_fence.h"

#include <thread>

namespace kiln::rest {

WriteFence::Ticket::~Ticket() {
  if (fence_ != nullptr) fence_->End();
}

WriteFence::Ticket WriteFence::Begin() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [this] { return !gate_closed_; });
  ++in_flight_;
  return Ticket(this);
}

void WriteFence::End() {
  std::lock_guard lock(mu_);
  --in_flight_;
  changed_.notify_all();
}

WriteFence::Settled WriteFence::Settle() {
  Micros t = 0;
  {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [this] { return !gate_closed_; });  // another Settle's snapshot
    gate_closed_ = true;
    changed_.wait(lock, [this] { return in_flight_ == 0; });
    // Every write that read the clock has committed (or failed) by now, so none has a later
    // lastUpdated than this.
    t = clock_.Now();
  }
  // Writes admitted once the gate opens read the clock after this: their lastUpdated is > t.
  while (clock_.Now() <= t) std::this_thread::yield();
  return Settled(this, t);
}

void WriteFence::OpenGate() {
  {
    std::lock_guard lock(mu_);
    gate_closed_ = false;
  }
  changed_.notify_all();
}

void WriteFence::Settled::Open() {
  if (fence_ == nullptr) return;
  fence_->OpenGate();
  fence_ = nullptr;
}

}  // namespace kiln::rest
