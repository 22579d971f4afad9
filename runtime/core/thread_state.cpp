#include "thread_state.h"

#include "clock.h"
#include "runtime.h"
#include "runtime_internal.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace autospan::internal {

__thread TlsBlock t_tls
    __attribute__((tls_model("initial-exec"), used)) = {nullptr, nullptr, 0, 0, 0, 0, 0};

// autospan_thread_gate_v2 is t_tls.gate under its ABI name: a TLS symbol at that offset in the
// block, so that the runtime reaches the gate, the state and the frames through one GOT entry.
#if !defined(__ELF__)
#error "autospan_thread_gate_v2 is an ELF TLS alias here: other object formats need another way"
#endif
#define AUTOSPAN_STR2(x) #x
#define AUTOSPAN_STR(x) AUTOSPAN_STR2(x)
asm(".globl autospan_thread_gate_v2\n"
    ".type autospan_thread_gate_v2, %tls_object\n"
    ".size autospan_thread_gate_v2, 1\n"
    ".set autospan_thread_gate_v2, _ZN8autospan8internal5t_tlsE + " AUTOSPAN_STR(
        AUTOSPAN_TLS_GATE_OFFSET) "\n");

namespace {

std::mutex g_registry_mutex;
ThreadState* g_registry_head = nullptr;
std::atomic<std::size_t> g_ring_capacity{2048};
std::atomic<std::size_t> g_ring_limit{2048 * kRingGrowth};
pthread_key_t g_exit_key;
std::once_flag g_exit_key_once;

// Runs when the thread exits (after its C++ thread_local destructors, which may still trace).
// The state is handed to the export thread, which drains and frees it.
void on_thread_exit(void* p) {
  auto* t = static_cast<ThreadState*>(p);
  if (t == nullptr || t_tls.state != t)
    return;
  if (t_tls.depth > 0) {
    // pthread_exit() or cancellation inside instrumented code: its forced unwinding runs
    // landing pads, but the plugin leaves none just to end a span. The frames end here, unfinished.
    BusyScope busy;
    end_frames_above(t, 0, now_ticks());
  }
  t_tls.state = nullptr;
  t_tls.stack = nullptr;
  t_tls.dead = 1;
  release_thread_baggage();
  // Threads are often named after their first instrumented call: pass the final name on.
  pthread_getname_np(pthread_self(), t->exit_name, sizeof t->exit_name);
  t->exited.store(true, std::memory_order_release);
  worker_wake();
}

// Per-thread buffers come straight from mmap. From malloc, a program that starts and ends many
// threads fragments the heaps with them (each allocated by its thread, freed by the export
// thread, interleaved with small live blocks) and its RSS grows by hundreds of MB over 10 000
// threads; unmapped memory goes back at once, and shadow-stack pages a thread never reaches are
// never touched.
void* map_zeroed(std::size_t bytes) noexcept {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

std::size_t round_up_pow2(std::size_t v) {
  std::size_t p = 64;
  while (p < v)
    p <<= 1;
  return p;
}

} // namespace

void IdRng::seed() noexcept {
  std::uint64_t words[2];
  if (getrandom(words, sizeof words, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof words)) {
    // No entropy yet (very early boot): mix what differs between threads and processes.
    std::uint64_t x = reinterpret_cast<std::uintptr_t>(this) ^
                      (static_cast<std::uint64_t>(getpid()) << 32) ^ realtime_ns();
    for (auto& w : words) {
      // splitmix64
      x += 0x9e3779b97f4a7c15ull;
      std::uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      w = z ^ (z >> 31);
    }
  }
  key = words[1];
  // A random start, 1 to 2^62 increments past the counter value whose id is zero: reaching it
  // again takes more than 2^63 ids. The start is what makes threads' id sequences independent:
  // (c * kMultiplier) ^ key, the finaliser's input, is (key + m * kMultiplier) ^ key for
  // m = c - zero_preimage(key), uniform when m is.
  counter = zero_preimage(key) + 1 + (words[0] >> 2);
}

void set_ring_capacity(std::size_t records) noexcept {
  const std::size_t cap = round_up_pow2(std::min(records, kMaxRingRecords));
  g_ring_capacity.store(cap, std::memory_order_relaxed);
  g_ring_limit.store(std::max(cap, std::min(cap * kRingGrowth, kRingGrowLimit)),
                     std::memory_order_relaxed);
}

bool ring_can_grow(std::size_t capacity) noexcept {
  return capacity * 2 <= g_ring_limit.load(std::memory_order_relaxed);
}

std::size_t current_ring_capacity() noexcept {
  ThreadState* t = t_tls.state;
  return t == nullptr || t->ring == nullptr ? 0 : std::size_t{t->ring_mask} + 1;
}

namespace {

void set_ring(ThreadState* t, Record* ring, std::size_t cap) noexcept {
  t->ring = ring;
  t->ring_mask = static_cast<std::uint32_t>(cap - 1);
  ring_set_cached_tail(t, t->cached_tail);
  t->ring_word.store(reinterpret_cast<std::uintptr_t>(ring) |
                         static_cast<std::uintptr_t>(__builtin_ctzll(cap)),
                     std::memory_order_release);
}

// Switches this thread to a ring twice as large, from the next position on; the export thread
// reads what lies below that position from the old ring, then unmaps it (ring_retire). Signals
// are blocked meanwhile: a handler that recorded a span in the middle would write into the ring
// being replaced at a position the export thread looks for in the new one. Not when a write
// below is still unpublished (we run nested in a signal handler), nor before the previous old
// ring is retired. With take_slot, also reserves the first position of the new ring.
bool grow_ring(ThreadState* t, bool take_slot) noexcept {
  const std::size_t old_cap = std::size_t{t->ring_mask} + 1;
  const std::size_t cap = old_cap * 2;
  if (cap > g_ring_limit.load(std::memory_order_relaxed) ||
      t->retiring.load(std::memory_order_acquire) != nullptr)
    return false;
  void* mem = map_zeroed(cap * sizeof(Record));
  if (mem == nullptr)
    return false;
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  const std::uint64_t pos = __atomic_load_n(&t->head_local, __ATOMIC_RELAXED);
  const bool grow = t->head.load(std::memory_order_relaxed) == pos;
  if (grow) {
    t->retiring_mask = t->ring_mask;
    t->switch_pos = pos;
    t->retiring.store(t->ring, std::memory_order_release);
    set_ring(t, static_cast<Record*>(mem), cap);
    if (take_slot)
      __atomic_store_n(&t->head_local, pos + 1, __ATOMIC_RELAXED);
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (!grow)
    munmap(mem, cap * sizeof(Record));
  return grow;
}

} // namespace

void ring_retire(ThreadState* t, const RingView& v, std::uint64_t tail) noexcept {
  if (v.old == nullptr || tail < v.switch_pos)
    return;
  munmap(const_cast<Record*>(v.old), (v.old_mask + 1) * sizeof(Record));
  t->retiring.store(nullptr, std::memory_order_release);
}

void ring_publish_check(ThreadState* t, std::uint64_t end) noexcept {
  const std::uint64_t cap = std::uint64_t{t->ring_mask} + 1;
  ring_set_cached_tail(t, t->tail.load(std::memory_order_acquire));
  // While the export thread catches up, wake it again at most every sixteenth of the ring.
  const std::uint64_t used = end - t->cached_tail;
  if (used >= cap / 2 && (end & (cap / 16 - 1)) == 0) {
    if (used >= cap / 2 + cap / 4) {
      grow_ring(t, false); // 3/4 full: more room before the export thread gets to it
      worker_wake();
    } else {
      worker_nudge();
    }
  }
}

std::uint64_t ring_reserve_slow(ThreadState* t, std::uint64_t h) noexcept {
  const std::uint64_t tail = t->tail.load(std::memory_order_acquire);
  ring_set_cached_tail(t, tail);
  if (h - tail < std::uint64_t{t->ring_mask} + 1)
    return h;
  // Give the slot back. A nested writer that reserved after us found the ring full too and
  // gave its slot back before we resumed, so ours is the last reservation.
  __atomic_store_n(&t->head_local, h, __ATOMIC_RELAXED);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  // Full: a larger ring (from position h on) has room for this record.
  return grow_ring(t, true) ? h : kRingFull;
}

ThreadState* create_thread_state() noexcept {
  if (t_tls.dead)
    return nullptr;
  std::call_once(g_exit_key_once, [] { pthread_key_create(&g_exit_key, on_thread_exit); });
  auto* t = new (std::nothrow) ThreadState();
  if (t == nullptr)
    return nullptr;
  t->stack = static_cast<Frame*>(map_zeroed(kStackCapacity * sizeof(Frame)));
  if (t->stack == nullptr) {
    delete t;
    return nullptr;
  }
  t->rng.seed();
  t->tid = static_cast<std::uint64_t>(syscall(SYS_gettid));
  char name[16] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof name) == 0)
    std::memcpy(t->thread_name, name, sizeof name);
  t->generation = fork_generation();
  {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    t->next = g_registry_head;
    g_registry_head = t;
  }
  pthread_setspecific(g_exit_key, t);
  t_tls.stack = t->stack;
  t_tls.state = t;
  return t;
}

void registry_lock() noexcept {
  g_registry_mutex.lock();
}

void registry_unlock() noexcept {
  g_registry_mutex.unlock();
}

bool push_record(ThreadState* t, const Record& r) noexcept {
  if (__builtin_expect(g_worker_start_pending.load(std::memory_order_relaxed), 0))
    maybe_start_worker();
  if (__builtin_expect(t->ring == nullptr, 0)) {
    std::size_t cap = g_ring_capacity.load(std::memory_order_relaxed);
    void* mem = map_zeroed(cap * sizeof(Record));
    if (mem == nullptr) {
      t->dropped_full.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    set_ring(t, static_cast<Record*>(mem), cap);
  }
  const std::uint64_t h = ring_reserve(t);
  if (h == kRingFull) {
    // Wake the export side on the thread's first drop and then on every 64th: a futex wake per
    // dropped span (several microseconds each in a VM) would slow the program most exactly when
    // the export side is already behind.
    if ((t->dropped_full.fetch_add(1, std::memory_order_relaxed) & 63) == 0)
      worker_wake();
    return false;
  }
  t->ring[h & t->ring_mask] = r;
  // The slots a few records ahead were last read by the export thread on another core: ask for
  // them in exclusive state now, so the write then does not wait for the invalidation.
  __builtin_prefetch(&t->ring[(h + 8) & t->ring_mask], 1, 3);
  ring_publish(t, h);
  return true;
}

void registry_collect(std::vector<ThreadState*>& live, std::vector<ThreadState*>& exited) {
  live.clear();
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  ThreadState** link = &g_registry_head;
  while (ThreadState* t = *link) {
    if (t->exited.load(std::memory_order_acquire)) {
      *link = t->next;
      exited.push_back(t);
      continue;
    }
    live.push_back(t);
    link = &t->next;
  }
}

void destroy_thread_state(ThreadState* t) noexcept {
  if (t->ring != nullptr)
    munmap(t->ring, (std::size_t{t->ring_mask} + 1) * sizeof(Record));
  if (Record* old = t->retiring.load(std::memory_order_acquire))
    munmap(old, (std::size_t{t->retiring_mask} + 1) * sizeof(Record));
  munmap(t->stack, kStackCapacity * sizeof(Frame));
  delete t;
}

void registry_after_fork_child() noexcept {
  // Only the forking thread exists in the child. The other states are leaked, not freed: their
  // threads may have been interrupted half-way through a write, and their records belong to the
  // parent.
  ThreadState* self = t_tls.state;
  g_registry_head = nullptr;
  if (self) {
    self->next = nullptr;
    std::uint64_t h = self->head.load(std::memory_order_relaxed);
    self->tail.store(h, std::memory_order_relaxed);
    ring_set_cached_tail(self, h);
    // The parent's export thread was to unmap the old ring of a growth; here nobody reads it.
    if (Record* old = self->retiring.load(std::memory_order_relaxed)) {
      munmap(old, (std::size_t{self->retiring_mask} + 1) * sizeof(Record));
      self->retiring.store(nullptr, std::memory_order_relaxed);
    }
    self->dropped_full.store(0, std::memory_order_relaxed);
    self->dropped_overflow.store(0, std::memory_order_relaxed);
    self->worker_baggage = nullptr;
    self->tid = static_cast<std::uint64_t>(syscall(SYS_gettid));
    self->rng.seed();
    self->generation = fork_generation();
    // Spans open across fork() are emitted by the parent; children opened here refer to them.
    for (std::uint32_t i = 0; i < t_tls.depth && i < kStackCapacity; ++i)
      self->stack[i].flags |= kFrameInherited;
    g_registry_head = self;
  }
}

} // namespace autospan::internal
