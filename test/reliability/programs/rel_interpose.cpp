// Re-entry through interposition (test reliability.reentry): this program defines its own,
// instrumented, versions of functions the runtime itself calls, so the dynamic linker binds the
// runtime's calls to them: the global operator new/delete (the runtime allocates on application
// threads in its slow paths: thread state, ring, site table) and zlib's deflate (the export thread
// compresses with OTEL_EXPORTER_OTLP_COMPRESSION=gzip). Called from inside the runtime they must
// neither recurse nor deadlock, and are not traced there; called by the program they are traced.
#include <autospan/autospan.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <new>
#include <thread>
#include <unistd.h>
#include <vector>
#include <zlib.h>

namespace {
std::atomic<long> g_new_calls{0};
std::atomic<long> g_deflate_calls{0};
} // namespace

// The plugin refuses replacement allocation functions (the runtime allocates too); a user can
// still instrument them by hand, and the runtime must cope.
void* operator new(std::size_t n) {
  AUTOSPAN_FUNCTION("interposed operator new");
  g_new_calls.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n))
    return p;
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept {
  AUTOSPAN_FUNCTION("interposed operator delete");
  std::free(p);
}

void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

extern "C" AUTOSPAN_TRACE_AS("interposed deflate") int deflate(z_streamp strm, int flush) {
  g_deflate_calls.fetch_add(1, std::memory_order_relaxed);
  using Fn = int (*)(z_streamp, int);
  static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "deflate"));
  return real(strm, flush);
}

namespace relx {

// Explicit calls of the allocation functions: new-expressions may be elided by the optimiser.
long allocate(int k) {
  long sum = 0;
  for (int i = 0; i < k; ++i) {
    void* p = ::operator new(sizeof(long));
    *static_cast<volatile long*>(p) = i;
    sum += *static_cast<volatile long*>(p);
    ::operator delete(p);
  }
  return sum;
}

void worker(int k) {
  allocate(k);
}

void run(int k) {
  allocate(k);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back(worker, k); // each new thread's first call creates its runtime state
  for (auto& t : threads)
    t.join();
}

} // namespace relx

int main() {
  constexpr int kAllocations = 5;
  relx::run(kAllocations);
  bool flushed = autospan::flush(std::chrono::seconds(10)); // gzip on the export thread
  std::printf("allocations %d new-calls %ld deflate-calls %ld flushed %d\n", kAllocations,
              g_new_calls.load(), g_deflate_calls.load(), flushed ? 1 : 0);
  return 0;
}
