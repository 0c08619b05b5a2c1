#include "rest/tenant_directory.h"

#include "rest/definitions.h"

namespace kiln::rest {

TenantDirectory::TenantDirectory(const search::Registry& default_registry, store::Store& store,
                                 const Clock& clock)
    : default_registry_(default_registry), store_(store), clock_(clock) {}

Result<std::shared_ptr<const search::Registry>> TenantDirectory::Find(const store::TenantId& tenant) {
  if (tenant == store::DefaultTenant()) {
    // Not owned: the default registry outlives the directory.
    return std::shared_ptr<const search::Registry>(std::shared_ptr<void>(), &default_registry_);
  }
  Micros now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(tenant);
    if (it != entries_.end() && now - it->second.checked < kRecheck) return it->second.registry;
  }
  // The store is asked without the lock: one slow tenant must not hold up the others.
  auto info = store_.GetTenant(tenant);
  if (!info && info.error().issue != Issue::kNotFound) return info.error();  // the store failed
  if (!info || info->status != store::TenantStatus::kActive) {
    Forget(tenant);
    return Error::Make(Issue::kNotFound, "Unknown tenant '" + tenant.value + "'");
  }
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(tenant);
    if (it != entries_.end() && it->second.created == info->created) {
      it->second.checked = now;
      return it->second.registry;
    }
  }
  std::shared_ptr<const search::Registry> registry = default_registry_.Overlay();
  KILN_TRY(LoadCustomSearchParameters(store_, *registry, tenant));
  std::lock_guard lock(mu_);
  Entry& entry = entries_[tenant];
  // Another request may have loaded it meanwhile: keep the one already in use.
  if (!entry.registry || entry.created != info->created) {
    entry.registry = std::move(registry);
    entry.created = info->created;
  }
  entry.checked = now;
  return entry.registry;
}

void TenantDirectory::Forget(const store::TenantId& tenant) {
  std::lock_guard lock(mu_);
  entries_.erase(tenant);
}

}  // namespace kiln::rest
