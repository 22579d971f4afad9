// Per-thread state: the shadow stack of open spans (application thread only) and the bounded SPSC
// ring of finished-span records (application thread -> export thread).
//
// Memory ordering: the ring's `head` is written only by the owning thread (release) and `tail`
// only by the export thread (release); each side reads the other's index with acquire. Nothing
// else crosses threads except the `exited` handover flag and relaxed statistics counters.
#pragma once

#include <autospan/detail/abi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace autospan::internal {

// Frame kinds (Frame::flags & kFrameKindMask).
enum : std::uint32_t {
  kFrameAuto = 0,    // plugin / AUTOSPAN_FUNCTION site
  kFrameScope = 1,   // AUTOSPAN_SCOPE site: never dropped by the min-duration filter
  kFrameSpan = 2,    // autospan::Span object (Frame::extra -> SpanState)
  kFrameContext = 3, // ContextScope: a parent context, not a span of this thread
  kFrameKindMask = 3,

  kFrameHasIds = 1u << 2,     // span_id / trace id valid
  kFrameKeep = 1u << 3,       // a descendant was kept: keep this one whatever its duration
  kFrameSuppress = 1u << 4,   // sampled-out root or unsampled context: children are suppressed
  kFrameInherited = 1u << 5,  // open across fork() in the child: the parent process emits it
  kFrameRemote = 1u << 6,     // context frame whose span lives in another process
  kFrameError = 1u << 7,      // an exception left the function (set on the slow exit path)
  kFrameBaggage = 1u << 8,    // context frame that replaced the thread's baggage
  kFrameTraceState = 1u << 9, // extra points to an interned tracestate (context frames)
  // The fast enter has published the depth but not yet filled the frame (the slot still holds
  // its previous occupant's fields). Code that a signal handler runs right then nests under the
  // frame below: this one is no one's parent, gets no ids, and is never emitted.
  kFrameUnborn = 1u << 10,
};

struct Frame {
  const autospan_site* site;
  std::uint64_t start; // ticks
  std::uint64_t span_id;
  std::uint32_t flags;
  std::uint32_t uncaught; // std::uncaught_exceptions() at entry (only without __cxa_throw hook)
  std::uint64_t trace_hi;
  std::uint64_t trace_lo;
  union {
    void* extra;        // SpanState* (kFrameSpan), ContextState* (kFrameContext)
    std::uintptr_t cfa; // auto and scope frames: the caller's stack pointer at its enter call
  };
  std::uint64_t child_ticks; // AUTOSPAN_SUMMARY: time spent in direct children
};
static_assert(sizeof(Frame) == 64, "one cache line per frame");

enum class RecordType : std::uint8_t {
  Span = 1,       // an auto or AUTOSPAN_SCOPE span
  ManualSpan = 2, // payload: SpanData* built by autospan::Span (ownership passes to the worker)
  Baggage = 3,    // payload: BaggageSnapshot* current from here on for this thread
  SiteStat = 4,   // AUTOSPAN_SUMMARY only: a call that the min-duration filter dropped
};

enum : std::uint16_t {
  kRecError = 1u << 0,         // status ERROR; payload may hold an ExceptionInfo*
  kRecUnfinished = 1u << 1,    // ended by the runtime (exit(), longjmp), not by the function
  kRecParentRemote = 1u << 2,  // parent span is in another process
  kRecFiltered = 1u << 3,      // summary only: not exported
  kRecEnvTraceState = 1u << 4, // trace continues TRACEPARENT: carry TRACESTATE
  kRecTraceState = 1u << 5,    // payload2-less: tracestate interned, index in aux
  // span_id is a counter value of the producing thread's IdRng: the export thread mixes it with
  // that thread's key (IdRng::mix) before anything reads it.
  kRecRawSpanId = 1u << 6,
};

struct Record {
  RecordType type;
  std::uint8_t reserved;
  std::uint16_t flags;
  std::uint32_t site_id; // registered site index (Span / SiteStat)
  std::uint64_t start;   // ticks
  std::uint64_t end;     // ticks
  std::uint64_t span_id;
  std::uint64_t parent_span_id;
  std::uint64_t trace_hi;
  std::uint64_t trace_lo;
  void* payload;
};
static_assert(sizeof(Record) == 64, "one cache line per record");

// Increments a word of the current thread's state and returns its previous value, as one
// instruction: a signal handler that runs instrumented code cannot split the read from the write
// (no lock prefix: only this thread writes the word).
inline std::uint64_t signal_atomic_fetch_inc(std::uint64_t* word) noexcept {
  std::uint64_t v = 1;
#if defined(__x86_64__)
  asm volatile("xaddq %0, %1" : "+r"(v), "+m"(*word));
#else
  v = __atomic_fetch_add(word, 1, __ATOMIC_RELAXED);
#endif
  std::atomic_signal_fence(std::memory_order_seq_cst);
  return v;
}

// Span and trace ids: a keyed bijection of a per-thread counter, both seeded from getrandom.
// Distinct counter values give distinct ids, and the counter advances with one instruction, so a
// signal handler that makes ids while this thread is in the middle of making one cannot roll the
// state back and repeat an id (which a multi-word PRNG such as xoshiro does when interrupted
// between its loads and stores).
//
// The kept exit's fast path takes a counter value only (raw_span_id) and leaves the mixing to the
// export thread (the record says so with kRecRawSpanId): 19 instructions of the application
// thread's work per kept span moved off it (docs/performance.md, "Session 11"). So the one counter
// value whose id is zero must never come: seed() starts the counter at least 2^63 increments
// before it.
struct IdRng {
  static constexpr std::uint64_t kMultiplier = 0x9e3779b97f4a7c15ull;
  static constexpr std::uint64_t kMultiplierInverse = 0xf1de83e19937733dull; // mod 2^64
  std::uint64_t counter;
  std::uint64_t key;
  void seed() noexcept;
  // The id of counter value c under key k: splitmix64's finaliser, xor-shifts and odd
  // multiplications, each invertible.
  static std::uint64_t mix(std::uint64_t c, std::uint64_t k) noexcept {
    std::uint64_t z = (c * kMultiplier) ^ k;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // The counter value whose id is zero under key k.
  static std::uint64_t zero_preimage(std::uint64_t k) noexcept { return k * kMultiplierInverse; }
  std::uint64_t next() noexcept { return mix(signal_atomic_fetch_inc(&counter), key); }
  // A span id to be mixed later (by mix(raw, key), with this thread's key): nonzero once mixed.
  std::uint64_t raw_span_id() noexcept { return signal_atomic_fetch_inc(&counter); }
  std::uint64_t nonzero() noexcept {
    std::uint64_t v;
    do
      v = next();
    while (v == 0);
    return v;
  }
};

constexpr std::uint32_t kStackCapacity = 1024;
constexpr std::uint32_t kNoFrame = ~0u;

// The frame below frame i that a span in frame i nests under: the nearest one not kFrameUnborn,
// or kNoFrame (frame i is a root). Frames below i must be within the stack's capacity.
inline std::uint32_t live_below(const Frame* stack, std::uint32_t i) noexcept {
  while (i-- > 0)
    if (!(stack[i].flags & kFrameUnborn))
      return i;
  return kNoFrame;
}
// The innermost frame that is not kFrameUnborn among frames [0, depth), or kNoFrame.
inline std::uint32_t live_top(const Frame* stack, std::uint32_t depth) noexcept {
  return live_below(stack, depth < kStackCapacity ? depth : kStackCapacity);
}

// Where a setjmp was called: the shadow stack depth at that moment, keyed by the jmp_buf's
// address (runtime/core/longjmp.cpp). A longjmp to it ends the frames above that depth.
struct JumpTarget {
  const void* env;
  std::uint32_t depth;
};
constexpr std::uint32_t kJumpTargets = 8;

struct ThreadState {
  // --- owning thread ---
  // The shadow stack's depth is t_tls.depth: only the owning thread reads it, and from TLS the fast
  // paths reach it without loading this state first.
  std::uint32_t ring_mask = 0;
  Record* ring = nullptr; // allocated on the first record
  std::uint64_t head_local = 0;
  // From cached_tail (the consumer's index as last read) and the ring's size, kept in step by
  // ring_set_cached_tail: the position from which a reservation finds the ring full by that index
  // (cached_tail itself without a ring), and the one from which a publication re-reads the
  // consumer's index (half a ring on). One compare each on the kept span's path.
  std::uint64_t full_at = 0;
  std::uint64_t check_at = 1;
  // Written by the owning thread only (release), read by the export thread (acquire). On this
  // line, not on the shared one below: a kept span then writes one cache line of the state, not
  // two, and the export thread's read of the head, once per drain (about once per thousand spans
  // while they stream in), takes this line away from the owner no more often than it took that
  // one (measured: 1-2.5 ns less per kept span, docs/performance.md "Session 7").
  std::atomic<std::uint64_t> head{0};
  IdRng rng{};
  Frame* stack = nullptr;
  std::uint64_t cached_tail = 0;
  std::uint64_t tid = 0;
  std::uint64_t generation = 0;        // fork generation this state belongs to
  JumpTarget jumps[kJumpTargets] = {}; // most recent setjmp calls (round robin)
  std::uint32_t jump_next = 0;

  // --- shared ---
  alignas(64) std::atomic<std::uint64_t> dropped_full{0}; // ring full
  std::atomic<std::uint64_t> dropped_overflow{0};         // shadow stack deeper than kStackCapacity
  std::atomic<bool> exited{false};
  char thread_name[16] = {};   // written before the state is published, then by the export
                               // thread only; "" = not set
  char exit_name[16] = {};     // the name at thread exit, written before `exited` is released
  ThreadState* next = nullptr; // registry list (guarded by the registry mutex)
  // The ring as the export thread reads it (ring_view): address | log2(capacity) in one word, so
  // that the two are always read together (rings are page aligned). While the thread's ring is
  // being replaced by a larger one, the old ring: positions below switch_pos are in it. The
  // owning thread writes retiring_mask and switch_pos before releasing `retiring`, `retiring`
  // before `ring_word`, and switches again only once the export thread has reset `retiring`.
  std::atomic<std::uintptr_t> ring_word{0};
  std::atomic<Record*> retiring{nullptr};
  std::uint64_t switch_pos = 0;
  std::uint32_t retiring_mask = 0;

  // --- export thread ---
  alignas(64) std::atomic<std::uint64_t> tail{0};
  void* worker_baggage = nullptr; // BaggageSnapshot* current for this thread's records
};
// What a kept span reads and writes (the ring's indices and limits, the id generator) fits in the
// state's first cache line.
static_assert(alignof(ThreadState) == 64 && offsetof(ThreadState, rng) + sizeof(IdRng) <= 64,
              "ThreadState hot line");

// Per-thread word block in initial-exec TLS: the hot path reads it with one %fs-relative load (and,
// in the shared library, one load of its offset from the GOT for the whole block).
struct TlsBlock {
  ThreadState* state;
  Frame* stack; // state->stack (null with it): the fast paths find the frame without waiting for
                // the load of `state`
  // The depth of this thread's shadow stack (the state's, kept here: enter and exit read it
  // without loading the state first). May exceed kStackCapacity (frames beyond it are not
  // recorded).
  std::uint32_t depth;
  // The thread's enter gate, which instrumented code reads too, as autospan_thread_gate_v2
  // (abi.h): a symbol of its own at this member's address (thread_state.cpp). Nonzero sends enter
  // off the fast path, and instrumented automatic sites do not call at all. Only this thread (and
  // signal handlers on it) writes it.
  std::uint8_t gate;
  std::uint8_t exit_gate; // exit: nonzero -> slow path (exception in flight)
  std::uint8_t dead;      // the thread is past its TLS destructors: record nothing more
  std::uint8_t pad;
};
// offsetof(TlsBlock, gate), as the assembler alias spells it (thread_state.cpp).
#define AUTOSPAN_TLS_GATE_OFFSET 20
static_assert(offsetof(TlsBlock, gate) == AUTOSPAN_TLS_GATE_OFFSET, "TlsBlock layout");

// __thread, not thread_local: a POD with constant initialisation needs no TLS wrapper call, and
// initial-exec makes each access one %fs-relative load.
extern __thread TlsBlock t_tls __attribute__((tls_model("initial-exec")));

enum : std::uint8_t {
  kTlsBusy = 1u << 0,     // inside the runtime: instrumented calls from here are not traced
  kTlsSuppress = 1u << 1, // inside a sampled-out trace
  kTlsOutside = AUTOSPAN_THREAD_GATE_OUTSIDE, // AUTOSPAN_REQUIRE_PARENT: no explicit trace
  kTlsDisabled = 1u << 3, // the runtime is disabled for good (set on the thread's first call)
};

// Creates, registers and installs this thread's state. nullptr when the thread is exiting or
// memory is exhausted.
ThreadState* create_thread_state() noexcept;

// Appends a record; drops and counts when the ring is full; wakes the worker when the ring
// crosses a quarter full. The caller has set kTlsBusy when it may allocate (first ring allocation).
bool push_record(ThreadState* t, const Record& r) noexcept;

// Slots are reserved before they are written and published after. A signal handler that records
// a span while its thread is in the middle of a write reserves the next slot and leaves the
// publication to the interrupted write, which then publishes both: a record is never overwritten
// and the export thread never sees one half written.
//
// ring_reserve returns the slot's position, or kRingFull (nothing reserved) when the ring has no
// room even after re-reading the consumer's index.
constexpr std::uint64_t kRingFull = ~std::uint64_t{0};
// Re-reads the consumer's index; when the ring is full, grows it if it may (and keeps the slot)
// or gives the slot back.
std::uint64_t ring_reserve_slow(ThreadState* t, std::uint64_t h) noexcept;
inline std::uint64_t ring_reserve(ThreadState* t) noexcept {
  const std::uint64_t h = signal_atomic_fetch_inc(&t->head_local);
  if (__builtin_expect(h >= t->full_at, 0))
    return ring_reserve_slow(t, h);
  return h;
}
// Sets cached_tail and what is derived from it (full_at, check_at); after the ring or its size
// changes, too. A signal handler that reads the three half updated sees limits from an older,
// lower tail: it finds the ring full or due for a check sooner, never later.
inline void ring_set_cached_tail(ThreadState* t, std::uint64_t tail) noexcept {
  const std::uint64_t cap = t->ring != nullptr ? std::uint64_t{t->ring_mask} + 1 : 0;
  t->cached_tail = tail;
  t->full_at = tail + cap;
  t->check_at = tail + (cap >= 2 ? cap / 2 : 1);
}

// After writing slot `h`: publishes it (and the slots nested writers filled meanwhile) and, when
// the ring looks at least half full, re-reads the consumer's index (one shared cache line read
// per half ring) and, if it really is, wakes the sender or export thread (worker_nudge); at
// three quarters full it also grows the ring (grow_ring) and wakes it whether or not it polls
// (worker_wake). Never takes a lock. Half, not a quarter: the sender polls about when half a ring
// has filled (BatchWorker::sender_run), and each of its timer wake-ups costs more than the drain
// it does (see there); a ring that fills faster than that grows, so nothing is lost meanwhile.
void worker_wake() noexcept;
// worker_wake(), skipped while the sender polls the rings anyway (spans streaming in), so that a
// steady producer makes no futex calls.
void worker_nudge() noexcept;
// The part of ring_publish for a ring that looks at least half full.
void ring_publish_check(ThreadState* t, std::uint64_t end) noexcept;
// Publishes slot `h` (and what nested writers filled); returns the new head, or 0 when an
// interrupted write below us publishes ours with its own. The caller runs ring_publish_check
// when ring_needs_check() says so.
inline std::uint64_t ring_publish_head(ThreadState* t, std::uint64_t h) noexcept {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  if (__builtin_expect(t->head.load(std::memory_order_relaxed) != h, 0))
    return 0; // we interrupted an unpublished write: it publishes ours with its own
  std::uint64_t end;
  do {
    end = __atomic_load_n(&t->head_local, __ATOMIC_RELAXED);
    t->head.store(end, std::memory_order_release);
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } while (__builtin_expect(end != __atomic_load_n(&t->head_local, __ATOMIC_RELAXED), 0));
  return end;
}
inline bool ring_needs_check(const ThreadState* t, std::uint64_t end) noexcept {
  return end >= t->check_at; // check_at >= 1: never for end == 0
}
inline void ring_publish(ThreadState* t, std::uint64_t h) noexcept {
  const std::uint64_t end = ring_publish_head(t, h);
  if (__builtin_expect(ring_needs_check(t, end), 0))
    ring_publish_check(t, end);
}
// Whether the next reservation would leave the fast path (the ring is full by the cached index):
// the caller can then take its general path before reserving.
inline bool ring_reserve_is_slow(const ThreadState* t) noexcept {
  return __atomic_load_n(&t->head_local, __ATOMIC_RELAXED) >= t->full_at;
}

// The export thread's view of a thread's ring, taken after an acquire of `head`: every position
// below that head is in `ring`, or in `old` when below switch_pos.
struct RingView {
  const Record* ring;
  std::uint64_t mask;
  const Record* old;
  std::uint64_t old_mask;
  std::uint64_t switch_pos;
  const Record& at(std::uint64_t pos) const noexcept {
    return old != nullptr && pos < switch_pos ? old[pos & old_mask] : ring[pos & mask];
  }
};
inline RingView ring_view(const ThreadState* t) noexcept {
  RingView v;
  // The word first: a new ring seen here means its `retiring` is seen below. An old one means
  // every position below the head read before it is in the old ring (the head that covers the
  // first position of a new ring is released after the word).
  const std::uintptr_t w = t->ring_word.load(std::memory_order_acquire);
  v.ring = reinterpret_cast<const Record*>(w & ~std::uintptr_t{63});
  v.mask = (std::uint64_t{1} << (w & 63)) - 1;
  v.old = t->retiring.load(std::memory_order_acquire);
  v.old_mask = v.old != nullptr ? t->retiring_mask : 0;
  v.switch_pos = v.old != nullptr ? t->switch_pos : 0;
  return v;
}
// Export thread: once its tail has passed switch_pos, unmaps the old ring and lets the owning
// thread grow again.
void ring_retire(ThreadState* t, const RingView& v, std::uint64_t tail) noexcept;

// Registry (export thread side). States of exited threads are unlinked by registry_collect and
// belong to the caller from then on (drain, then destroy_thread_state).
void registry_collect(std::vector<ThreadState*>& live, std::vector<ThreadState*>& exited);
void destroy_thread_state(ThreadState* t) noexcept;
// In a fork child: drops every other thread's state (those threads do not exist here) and empties
// the current thread's ring (its records belong to the parent).
void registry_after_fork_child() noexcept;
// Ring capacity in records for rings allocated from now on (rounded up to a power of two). A
// thread whose ring is found three quarters full (or full) switches to one twice as large, up to
// kRingGrowth times this and at most kRingGrowLimit records (1 MB): the one thread that records a
// million spans a second needs more room to ride out a late export thread than the many that
// record little, and a ring costs the pages its thread has written. Rings configured larger than
// that do not grow.
constexpr std::size_t kRingGrowth = 8;
constexpr std::size_t kRingGrowLimit = 16384;
constexpr std::size_t kMaxRingRecords = std::size_t{1} << 22; // 256 MB of address space
void set_ring_capacity(std::size_t records) noexcept;
// Whether a ring of this capacity may still grow.
bool ring_can_grow(std::size_t capacity) noexcept;
// The current thread's ring capacity in records (0: no ring yet). For tests.
std::size_t current_ring_capacity() noexcept;

} // namespace autospan::internal
