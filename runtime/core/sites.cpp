// The site registry: copies a descriptor's strings on its first kept span and gives it an id.
#include "runtime.h"
#include "runtime_internal.h"
#include "signature.h"

#include <mutex>
#include <new>

namespace autospan::internal {
namespace {

// Append-only two-level table: readers (the export thread) need no lock.
constexpr std::uint32_t kChunkBits = 10;
constexpr std::uint32_t kChunkSize = 1u << kChunkBits;
constexpr std::uint32_t kMaxChunks = 4096; // 4 M sites

std::atomic<SiteInfo*> g_chunks[kMaxChunks];
std::atomic<std::uint32_t> g_count{0};
std::mutex g_mutex;

} // namespace

void sites_lock() noexcept {
  g_mutex.lock();
}

void sites_unlock() noexcept {
  g_mutex.unlock();
}

std::uint32_t register_site(autospan_site* site) noexcept {
  std::lock_guard<std::mutex> lock(g_mutex);
  unsigned id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
  if (id != 0)
    return id;
  std::uint32_t index = g_count.load(std::memory_order_relaxed); // 0-based; id = index + 1
  std::uint32_t chunk = index >> kChunkBits;
  if (chunk >= kMaxChunks)
    return 0;
  SiteInfo* block = g_chunks[chunk].load(std::memory_order_relaxed);
  if (block == nullptr) {
    block = new (std::nothrow) SiteInfo[kChunkSize];
    if (block == nullptr)
      return 0;
    g_chunks[chunk].store(block, std::memory_order_release);
  }
  SiteInfo& info = block[index & (kChunkSize - 1)];
  try {
    const char* name = site->name ? site->name : "";
    const char* function = site->function ? site->function : "";
    if (site->flags & AUTOSPAN_SITE_FUNCTION_IS_SIGNATURE)
      info.function = normalize_signature(function, site->file ? site->file : "", site->line);
    else
      info.function = function;
    info.name = *name ? std::string(name) : info.function;
    if (info.name.empty())
      info.name = "<unnamed>";
    info.file = site->file ? site->file : "";
  } catch (...) {
    return 0;
  }
  info.line = site->line;
  info.flags = site->flags;
  g_count.store(index + 1, std::memory_order_release);
  __atomic_store_n(&site->id, index + 1, __ATOMIC_RELEASE);
  return index + 1;
}

const SiteInfo* site_info(std::uint32_t id) noexcept {
  if (id == 0 || id > g_count.load(std::memory_order_acquire))
    return nullptr;
  std::uint32_t index = id - 1;
  SiteInfo* block = g_chunks[index >> kChunkBits].load(std::memory_order_acquire);
  return block ? &block[index & (kChunkSize - 1)] : nullptr;
}

std::uint32_t site_count() noexcept {
  return g_count.load(std::memory_order_acquire);
}

} // namespace autospan::internal
