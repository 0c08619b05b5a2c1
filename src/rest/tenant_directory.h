// The tenants this server serves, as rest/ sees them (docs/tenants.md): whether a tenant exists,
// and its search registry -- the core parameters plus the tenant's own SearchParameters, loaded
// on the tenant's first request. Private to src/rest/.
//
// The tenant registry lives in the store, and other processes change it (`kiln tenant`), so a
// tenant found here is checked again once kRecheck has passed, and a name not found is looked up
// every time. A tenant deleted by another process is thus still routed for at most kRecheck, with
// none of its data (the deletion removed it) and taking no writes (the store refuses them).
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "core/time.h"
#include "search/search.h"
#include "store/store.h"

namespace kiln::rest {

class TenantDirectory {
 public:
  static constexpr Micros kRecheck = 1'000'000;

  // `default_registry` serves the default tenant; every other tenant gets an overlay of it.
  // All three must outlive the directory.
  TenantDirectory(const search::Registry& default_registry, store::Store& store, const Clock& clock);
  TenantDirectory(const TenantDirectory&) = delete;
  TenantDirectory& operator=(const TenantDirectory&) = delete;

  // The registry of `tenant`; kNotFound unless it is an active tenant. Loads the tenant's custom
  // SearchParameters on first use, and again for a tenant deleted and made anew since.
  Result<std::shared_ptr<const search::Registry>> Find(const store::TenantId& tenant);
  // Forgets `tenant` (just deleted), so that the next Find asks the store.
  void Forget(const store::TenantId& tenant);

 private:
  struct Entry {
    std::shared_ptr<const search::Registry> registry;
    Micros created = 0;  // tells the tenant from a later one of the same name
    Micros checked = 0;  // when the store last said it is active
  };

  const search::Registry& default_registry_;
  store::Store& store_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<store::TenantId, Entry> entries_;  // GUARDED_BY(mu_)
};

}  // namespace kiln::rest
