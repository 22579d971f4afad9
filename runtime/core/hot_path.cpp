// autospan_enter_v2 / autospan_exit_v2 (and the v1 entries kept for older objects): the code
// every instrumented call runs.
//
// Enter: a global flag check, the thread's TLS block, a push onto the shadow stack (four stores
// and one clock read). Exit: one clock read, a compare against the minimum duration, and only for a
// kept span a 64-byte record into the thread's ring. Ids are assigned lazily at the first kept
// descendant, so a dropped call never costs an id. Everything unusual (first call of a thread,
// sampling of roots, an exception in flight, latch or summary mode, unbalanced exits) goes
// through the general out-of-line paths below.
//
// The token returned by enter is the frame's address (token_of), which stands for its 1-based
// depth. An exit whose token is below the current depth proves that the frames above it were
// skipped (longjmp, exit(), an exception through -fno-exceptions code): they are ended there and
// marked unfinished.
#include "clock.h"
#include "runtime.h"
#include "runtime_control.h"

#include <exception>

namespace autospan::internal {

HotGlobals g_hot;

namespace {

constexpr std::uint32_t kNoParentIndex = ~0u;

// Tokens (what enter returns and exit takes back) are frame addresses: the slot of the frame at
// index d in the thread's frame array (for frames beyond kStackCapacity, where the slot would be;
// never dereferenced). The exit then reads the frame straight from the token, without first
// loading the array's address: the clock read of the next enter waits for that chain of loads.
// Internally frames go by their 1-based depth, which a token converts to.
inline void* token_of(std::uint32_t index) noexcept {
  return reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(t_tls.stack) +
                                 std::uintptr_t{index} * sizeof(Frame));
}
// The 1-based depth a non-null token stands for. One from below the array (not this thread's)
// wraps to a depth no thread has.
inline std::uintptr_t depth_of(std::uintptr_t token) noexcept {
  return (token - reinterpret_cast<std::uintptr_t>(t_tls.stack)) / sizeof(Frame) + 1;
}

// autospan_site::id is written once by register_site (another thread, under its mutex) and read
// here without a lock: an atomic load (a plain mov on x86).
inline std::uint32_t site_id_of(const autospan_site* site) noexcept {
  return __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
}

inline std::uint32_t kind_of(const autospan_site* site) noexcept {
  return (site->flags & AUTOSPAN_SITE_KIND_MASK) == AUTOSPAN_SITE_MANUAL ? kFrameScope : kFrameAuto;
}

void assign_ids(ThreadState* t, std::uint32_t i) noexcept {
  Frame& f = t->stack[i];
  const std::uint32_t pi = live_below(t->stack, i);
  if (pi != kNoFrame && (t->stack[pi].trace_hi | t->stack[pi].trace_lo) != 0) {
    const Frame& p = t->stack[pi];
    f.trace_hi = p.trace_hi;
    f.trace_lo = p.trace_lo;
  } else if (pi == kNoFrame && config().env_context.valid()) {
    f.trace_hi = config().env_context.trace_hi;
    f.trace_lo = config().env_context.trace_lo;
  } else {
    // A root without TRACEPARENT, or under a ContextScope of an invalid context: a new trace.
    f.trace_hi = t->rng.next();
    f.trace_lo = t->rng.nonzero();
  }
  f.span_id = t->rng.nonzero();
  f.flags |= kFrameHasIds;
}

// Which record flags and payload a kept frame needs beyond the defaults.
void fill_record(ThreadState* t, std::uint32_t i, const Frame& f, std::uint64_t end,
                 Record& r) noexcept {
  r.type = RecordType::Span;
  r.reserved = 0;
  r.flags = 0;
  r.site_id = site_id_of(f.site);
  r.start = f.start;
  r.end = end;
  r.span_id = f.span_id;
  r.trace_hi = f.trace_hi;
  r.trace_lo = f.trace_lo;
  r.payload = nullptr;
  bool remote = false;
  parent_of(t, i, r.parent_span_id, remote);
  if (remote)
    r.flags |= kRecParentRemote;
}

// Emits frame i as a kept span. The frame is still on the stack (its parent chain is needed).
void emit_frame(ThreadState* t, std::uint32_t i, std::uint64_t end, std::uint16_t extra_flags,
                void* payload) noexcept {
  BusyScope busy;
  Frame& f = t->stack[i];
  if (__builtin_expect(site_id_of(f.site) == 0, 0) &&
      register_site(const_cast<autospan_site*>(f.site)) == 0) {
    delete static_cast<ExceptionInfo*>(payload);
    return;
  }
  make_kept(t, i);
  Record r;
  fill_record(t, i, f, end, r);
  r.flags |= extra_flags;
  r.payload = payload;
  if (!push_record(t, r))
    delete static_cast<ExceptionInfo*>(payload);
}

// A sampled-out root: push it (its exit clears the suppression) and trace nothing below it.
void* enter_suppressing_root(ThreadState* t, autospan_site* site, std::uintptr_t cfa) noexcept {
  Frame& f = t->stack[0];
  t_tls.depth = 1;
  f.site = site;
  f.flags = kind_of(site) | kFrameSuppress;
  f.cfa = cfa;
  f.start = now_ticks();
  t_tls.gate |= kTlsSuppress;
  return token_of(0);
}

bool root_is_sampled(ThreadState* t, Frame& f) noexcept {
  if (g_control.custom_sampler.load(std::memory_order_acquire))
    return custom_sample_root(t, f);
  const RuntimeConfig& c = config();
  if (c.env_context.valid()) {
    f.trace_hi = c.env_context.trace_hi;
    f.trace_lo = c.env_context.trace_lo;
    f.span_id = t->rng.nonzero();
    f.flags |= kFrameHasIds;
    return sampler_decide(c.sampler, f.trace_hi, f.trace_lo, true,
                          (c.env_context.trace_flags & 1) != 0);
  }
  if (c.sampler.kind == SamplerKind::AlwaysOn || c.sampler.kind == SamplerKind::ParentBasedAlwaysOn)
    return true;
  // The ratio samplers look at the trace id: assign it now (the root only).
  f.trace_hi = t->rng.next();
  f.trace_lo = t->rng.nonzero();
  f.span_id = t->rng.nonzero();
  f.flags |= kFrameHasIds;
  return sampler_decide(c.sampler, f.trace_hi, f.trace_lo, false, false);
}

__attribute__((noinline)) void* enter_general(autospan_site* site, std::uintptr_t cfa) noexcept {
  std::uint8_t gate = g_hot.gate.load(std::memory_order_acquire);
  if (gate == kGateUninit) {
    ensure_initialized();
    gate = g_hot.gate.load(std::memory_order_acquire);
  }
  if (gate != kGateFast && gate != kGateSlow)
    return nullptr;
  if (t_tls.gate != 0 && !outside_ends(site))
    return nullptr; // inside the runtime, inside a sampled-out trace, or outside a required one
  if (!filter_admits(site))
    return nullptr; // AUTOSPAN_FILTER: resolved off
  // The frame is filled before the depth is published: a signal handler running instrumented code
  // meanwhile would take the same slot, so it is not traced.
  BusyScope busy;
  ThreadState* t = t_tls.state;
  if (t == nullptr) {
    if (t_tls.dead)
      return nullptr;
    t = create_thread_state();
    if (t == nullptr)
      return nullptr;
  }
  std::uint32_t d = t_tls.depth;
  if (d == 0 && outside_explicit_trace(site))
    return nullptr; // AUTOSPAN_REQUIRE_PARENT: the thread stays outside until a trace starts
  if (d >= kStackCapacity) {
    t->dropped_overflow.fetch_add(1, std::memory_order_relaxed);
    t_tls.depth = d + 1;
    return token_of(d);
  }
  Frame& f = t->stack[d];
  f.site = site;
  f.flags = kind_of(site);
  f.child_ticks = 0;
  f.cfa = cfa;
  f.uncaught = (g_hot.exit_mode.load(std::memory_order_relaxed) & kExitUncaught)
                   ? static_cast<std::uint32_t>(std::uncaught_exceptions())
                   : 0;
  if (d == 0 && g_hot.root_slow.load(std::memory_order_relaxed) && !root_is_sampled(t, f))
    return enter_suppressing_root(t, site, cfa);
  t_tls.depth = d + 1;
  f.start = now_ticks();
  return token_of(d);
}

__attribute__((noinline)) void exit_general(ThreadState* t, std::uintptr_t token,
                                            std::uint64_t now) noexcept {
  if (t == nullptr)
    return;
  // Between reading the frame and popping it, a signal handler running instrumented code would
  // nest under a frame whose fate is already decided: it is not traced.
  BusyScope busy;
  std::uint32_t index = static_cast<std::uint32_t>(token - 1);
  if (index >= t_tls.depth)
    return; // already popped by a resynchronisation
  if (index + 1 < t_tls.depth) {
    // Frames above this one that unwinding left without an exit of their own (no landing pad)
    // end as their exits would have (ERROR with the exception in flight); what is left above
    // them (exits skipped by longjmp, exit(), -fno-exceptions code) ends unfinished.
    if (std::uncaught_exceptions() > 0)
      end_unwound_frames(t, index + 1, 0, 0);
    if (index + 1 < t_tls.depth)
      end_frames_above(t, index + 1, now);
  }
  if (index >= kStackCapacity) {
    t_tls.depth = index;
    return;
  }
  Frame& f = t->stack[index];
  // This call's children total (summary mode) leaves with it: the fast enter does not clear the
  // field, so the next frame in this slot must find zero.
  const std::uint64_t child_ticks = f.child_ticks;
  f.child_ticks = 0;
  std::uint32_t kind = f.flags & kFrameKindMask;
  std::uint64_t duration = now - f.start;
  std::uint8_t mode = g_hot.exit_mode.load(std::memory_order_relaxed);

  if (f.flags & kFrameSuppress) {
    t_tls.gate &= static_cast<std::uint8_t>(~kTlsSuppress);
    t_tls.depth = index;
    return;
  }
  if (kind != kFrameAuto && kind != kFrameScope) {
    t_tls.depth = index; // manual Span / context frames end through their own objects
    return;
  }

  ExceptionInfo* exc = nullptr;
  bool error = false;
  if (t_tls.exit_gate) {
    error = exception_unwinding(index, f.start, &exc);
  } else if (mode & kExitUncaught) {
    error = static_cast<std::uint32_t>(std::uncaught_exceptions()) > f.uncaught;
    if (error)
      exc = new (std::nothrow) ExceptionInfo();
  }

  if (mode & kExitSummary) {
    const std::uint32_t pi = live_below(t->stack, index);
    if (pi != kNoFrame)
      t->stack[pi].child_ticks += duration;
  }

  bool keep;
  if (f.flags & kFrameInherited) {
    keep = false; // the parent process owns this span
  } else if (kind == kFrameScope || (f.flags & kFrameKeep) || error) {
    keep = true;
  } else if (mode & kExitLatch) {
    auto* state = reinterpret_cast<unsigned*>(&const_cast<autospan_site*>(f.site)->state);
    if (__atomic_load_n(state, __ATOMIC_RELAXED) & kSiteLatched) {
      keep = true;
    } else {
      keep = false;
      if (duration >= g_hot.min_ticks.load(std::memory_order_relaxed))
        __atomic_fetch_or(state, kSiteLatched, __ATOMIC_RELAXED);
    }
  } else {
    keep = duration >= g_hot.min_ticks.load(std::memory_order_relaxed);
  }

  if (keep) {
    emit_frame(t, index, now, error ? kRecError : 0, exc);
  } else {
    delete exc;
    if ((mode & kExitSummary) && !(f.flags & kFrameInherited)) {
      // The summary counts calls the filter dropped; no span leaves for them.
      if (site_id_of(f.site) != 0 || register_site(const_cast<autospan_site*>(f.site)) != 0) {
        Record r{};
        r.type = RecordType::SiteStat;
        r.flags = kRecFiltered;
        r.site_id = site_id_of(f.site);
        r.start = f.start;
        r.end = now;
        r.span_id = child_ticks;
        push_record(t, r);
      }
    }
  }
  if ((mode & kExitSummary) && keep) {
    // The worker needs self time for kept spans too: it travels in an extra SiteStat record.
    Record r{};
    r.type = RecordType::SiteStat;
    r.site_id = site_id_of(f.site);
    r.start = f.start;
    r.end = now;
    r.span_id = child_ticks;
    push_record(t, r);
  }
  t_tls.depth = index;
}

// The ring slot a few kept spans ahead: the export thread read it last, so its line is in the
// other core's cache, and the write that takes it back would wait for the transfer. Asked for
// now, it is here by then (measured: about 1 ns per kept span, docs/performance.md "Session 6").
// PREFETCHW is a no-op on x86-64 processors that lack it.
inline void prefetch_for_write(const Record* slot) noexcept {
#if defined(__x86_64__)
  asm volatile("prefetchw %0" : : "m"(*slot));
#else
  __builtin_prefetch(slot, 1, 3);
#endif
}

// A kept span: an automatic frame with a registered site whose parent already has ids (or which
// is a root), an allocated ring with room. Writes the record in place; anything else goes through
// exit_general.
__attribute__((noinline)) void exit_keep_general(ThreadState* t, std::uintptr_t token,
                                                 std::uint64_t now) noexcept {
  // Ids are assigned and the record written in several stores: a signal handler running
  // instrumented code in between is not traced, so it can neither give this frame ids of its own
  // (its spans would name a parent that never arrives) nor see it half updated. The flags are
  // read after this point: a handler that ran before it may have kept this frame already.
  BusyScope busy;
  const std::uint32_t i = static_cast<std::uint32_t>(token - 1);
  Frame& f = t->stack[i];
  const std::uint32_t site_id = site_id_of(f.site);
  if (__builtin_expect(site_id == 0 || t->ring == nullptr, 0))
    return exit_general(t, token, now);
  std::uint64_t parent_id;
  std::uint16_t flags = 0;
  const std::uint32_t pi = live_below(t->stack, i);
  if (pi != kNoFrame) {
    Frame& p = t->stack[pi];
    if (!(f.flags & kFrameHasIds)) {
      if (__builtin_expect((p.flags & (kFrameHasIds | kFrameKeep)) == (kFrameHasIds | kFrameKeep) &&
                               (p.trace_hi | p.trace_lo) != 0,
                           1)) {
        f.trace_hi = p.trace_hi;
        f.trace_lo = p.trace_lo;
        f.span_id = t->rng.nonzero();
        f.flags |= kFrameHasIds;
      } else {
        make_kept(t, i);
      }
    } else if (!(p.flags & kFrameKeep)) {
      make_kept(t, i);
    }
    parent_id = p.span_id;
    if (p.flags & kFrameRemote)
      flags |= kRecParentRemote;
  } else {
    if (!(f.flags & kFrameHasIds))
      assign_ids(t, i);
    bool remote = false;
    parent_of(t, i, parent_id, remote);
    if (remote)
      flags |= kRecParentRemote;
  }
  const std::uint64_t h = ring_reserve(t);
  if (__builtin_expect(h == kRingFull, 0))
    return exit_general(t, token, now); // drops and counts
  Record& r = t->ring[h & t->ring_mask];
  r.type = RecordType::Span;
  r.reserved = 0;
  r.flags = flags;
  r.site_id = site_id;
  r.start = f.start;
  r.end = now;
  r.span_id = f.span_id;
  r.parent_span_id = parent_id;
  r.trace_hi = f.trace_hi;
  r.trace_lo = f.trace_lo;
  r.payload = nullptr;
  ring_publish(t, h);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_tls.depth = i;
}

// The commonest kept span, a child of a kept parent with ids in the same trace, without a call:
// the compiler then keeps it in caller-saved registers (no prologue saving six of them, which the
// calls of exit_keep_general need). Everything else, including a full ring, goes there.
// The frame comes from the token (its address), with its 1-based depth: the state's stack pointer
// is not on its first cache line. A thread without a ring finds it full (full_at) below.
__attribute__((noinline)) void exit_keep(ThreadState* t, std::uintptr_t token, std::uint64_t now,
                                         Frame& f) noexcept {
  const std::uint32_t i = static_cast<std::uint32_t>(token - 1);
  const std::uint32_t site_id = site_id_of(f.site);
  if (__builtin_expect(i == 0 || site_id == 0, 0))
    return exit_keep_general(t, token, now);
  // As in exit_keep_general: not traced while the ids and the record are half written, and the
  // flags are read after this (a handler that ran before may have kept this frame already).
  const std::uint8_t gate = t_tls.gate;
  t_tls.gate = gate | kTlsBusy;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  const Frame& p = (&f)[-1];
  if (__builtin_expect((f.flags & kFrameHasIds) ||
                           (p.flags & (kFrameHasIds | kFrameKeep)) != (kFrameHasIds | kFrameKeep) ||
                           (p.trace_hi | p.trace_lo) == 0 || ring_reserve_is_slow(t),
                       0)) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_tls.gate = gate;
    // Anything else; and a ring full by the cached index (ring_reserve there re-reads the
    // consumer's index, and grows the ring or drops).
    return exit_keep_general(t, token, now);
  }
  // Not ring_reserve: its slow path was excluded above, and no handler records meanwhile.
  const std::uint64_t h = signal_atomic_fetch_inc(&t->head_local);
  prefetch_for_write(&t->ring[(h + 8) & t->ring_mask]);
  // The ids go into the record only: the frame is popped below and nothing reads a popped frame
  // (a signal handler meanwhile is not traced, and the next enter marks the slot unborn before it
  // publishes it). Nothing else names this span (no descendant was kept: it had no ids), so its
  // id can stay a raw counter value until the export thread mixes it.
  const std::uint64_t span_id = t->rng.raw_span_id();
  Record& r = t->ring[h & t->ring_mask];
  r.type = RecordType::Span;
  r.reserved = 0;
  r.flags = ((p.flags & kFrameRemote) ? kRecParentRemote : 0) | kRecRawSpanId;
  r.site_id = site_id;
  r.start = f.start;
  r.end = now;
  r.span_id = span_id;
  r.parent_span_id = p.span_id;
  r.trace_hi = p.trace_hi;
  r.trace_lo = p.trace_lo;
  r.payload = nullptr;
  const std::uint64_t end = ring_publish_head(t, h);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_tls.depth = i;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_tls.gate = gate;
  // After the pop, as a tail call: a call before it would make this function save registers.
  if (__builtin_expect(ring_needs_check(t, end), 0))
    return ring_publish_check(t, end);
}

// The fast exit dropped a short frame, but its flags changed between the check and the pop: a
// signal handler ran instrumented code right there, kept a span under this frame and so kept the
// frame too (ids, kFrameKeep). Emit it, or the handler's spans would name a missing parent. The
// slot is ours still unless another handler reused it after the pop (its start differs).
__attribute__((noinline)) void exit_late_keep(ThreadState* t, std::uintptr_t token,
                                              std::uint64_t start, std::uint64_t now) noexcept {
  BusyScope busy;
  const std::uint32_t i = static_cast<std::uint32_t>(token - 1);
  const Frame& f = t->stack[i];
  if (t_tls.depth != i || f.start != start || !(f.flags & kFrameKeep) ||
      (f.flags & kFrameKindMask) != kFrameAuto)
    return;
  t_tls.depth = i + 1;
  emit_frame(t, i, now, 0, nullptr);
  t_tls.depth = i;
}

} // namespace

void end_frames_above(ThreadState* t, std::uint32_t depth, std::uint64_t now,
                      const ExceptionInfo* error) noexcept {
  std::uint32_t d = t_tls.depth;
  while (d > depth) {
    --d;
    if (d >= kStackCapacity) {
      t_tls.depth = d;
      continue;
    }
    Frame& f = t->stack[d];
    std::uint32_t kind = f.flags & kFrameKindMask;
    if (f.flags & kFrameSuppress)
      t_tls.gate &= static_cast<std::uint8_t>(~kTlsSuppress);
    bool keep = (f.flags & kFrameKeep) || kind == kFrameScope || error != nullptr ||
                now - f.start >= g_hot.min_ticks.load(std::memory_order_relaxed);
    if ((kind == kFrameAuto || kind == kFrameScope) && keep &&
        !(f.flags & (kFrameInherited | kFrameSuppress | kFrameUnborn))) {
      ExceptionInfo* payload = nullptr;
      if (error != nullptr) {
        BusyScope busy;
        payload = new (std::nothrow) ExceptionInfo(*error);
      }
      emit_frame(t, d, now, error ? kRecUnfinished | kRecError : kRecUnfinished, payload);
    }
    // Span and context frames belong to objects that may still be alive (a Span moved out of
    // its scope): they only lose their place on the stack.
    f.child_ticks = 0;
    t_tls.depth = d;
  }
}

bool runtime_unwinds(const Frame& f) noexcept {
  return (f.flags & (kFrameKindMask | kFrameUnborn)) == kFrameAuto &&
         (f.site->flags & AUTOSPAN_SITE_RUNTIME_UNWINDS) != 0;
}

void end_unwound_frames(ThreadState* t, std::uint32_t keep, std::uintptr_t below,
                        std::uintptr_t lowest) noexcept {
  std::uint64_t now = 0;
  while (t_tls.depth > keep) {
    const std::uint32_t top = t_tls.depth - 1;
    if (top >= kStackCapacity) {
      if (below != 0)
        return; // unrecorded frames: where they are is unknown
      t_tls.depth = top;
      continue;
    }
    const Frame& f = t->stack[top];
    // A frame that ends itself (a macro's object, a manual scope or span, an older object's
    // landing pad) and is still here is alive: so is everything under it.
    if (!runtime_unwinds(f))
      return;
    if (below != 0 && !(f.cfa < below && f.cfa >= lowest))
      return;
    if (now == 0)
      now = now_ticks();
    exit_general(t, std::uintptr_t{top} + 1, now);
  }
}

void parent_of(const ThreadState* t, std::uint32_t i, std::uint64_t& span_id,
               bool& remote) noexcept {
  const std::uint32_t pi = live_below(t->stack, i);
  if (pi == kNoFrame) {
    const ContextValue& env = config().env_context;
    span_id = env.valid() ? env.span_id : 0;
    remote = env.valid();
    return;
  }
  const Frame& p = t->stack[pi];
  span_id = p.span_id;
  remote = (p.flags & kFrameRemote) != 0;
}

void make_kept(ThreadState* t, std::uint32_t i) noexcept {
  Frame* s = t->stack;
  // Frames being entered (kFrameUnborn) are skipped: they are no one's parent.
  std::uint32_t first = i + 1; // lowest frame in [0, i] without ids
  for (std::uint32_t j = i + 1; j-- > 0;) {
    if (s[j].flags & kFrameUnborn)
      continue;
    if (s[j].flags & kFrameHasIds)
      break;
    first = j;
  }
  for (std::uint32_t m = first; m <= i; ++m)
    if (!(s[m].flags & kFrameUnborn))
      assign_ids(t, m);
  for (std::uint32_t m = i; m-- > 0;) {
    if (s[m].flags & kFrameUnborn)
      continue;
    if (s[m].flags & kFrameKeep)
      break;
    s[m].flags |= kFrameKeep;
  }
}

std::uint32_t push_frame(ThreadState* t, const Frame& f) noexcept {
  BusyScope busy; // a signal handler between the copy and the depth store would take the slot
  std::uint32_t d = t_tls.depth;
  if (d >= kStackCapacity)
    return kNoParentIndex;
  t->stack[d] = f;
  t_tls.depth = d + 1;
  note_pushed_frame(t, d, f);
  return d;
}

void pop_frame(ThreadState* t, std::uint32_t index, std::uint64_t now) noexcept {
  BusyScope busy;
  if (index >= t_tls.depth)
    return;
  if (index + 1 < t_tls.depth)
    end_frames_above(t, index + 1, now);
  if (t->stack[index].flags & kFrameSuppress)
    t_tls.gate &= static_cast<std::uint8_t>(~kTlsSuppress);
  t->stack[index].child_ticks = 0;
  t_tls.depth = index;
}

ThreadState* current_thread_state() noexcept {
  ThreadState* t = t_tls.state;
  if (t != nullptr || t_tls.dead)
    return t;
  ensure_initialized();
  return create_thread_state();
}

void end_open_frames_at_exit() noexcept {
  ThreadState* t = t_tls.state;
  if (t != nullptr && t_tls.depth > 0)
    end_frames_above(t, 0, now_ticks());
}

} // namespace autospan::internal

using autospan::internal::g_hot;
using autospan::internal::t_tls;

// ABI version 2, first form (abi.h): objects built before the thread gate read this before calling
// autospan_enter_v2 (newer ones read autospan_thread_gate_v2). Set here,
// by the first enter that finds the runtime disabled, rather than wherever the gate closes: one
// wasted call, and no second copy of the gate to keep in step. Default visibility and exported,
// so that this library reaches it through the GOT: an executable built without PIE that takes a
// copy relocation of it then shares the copy.
extern "C" {
AUTOSPAN_ABI_EXPORT volatile unsigned char autospan_disabled_v2 = 0;
}

// Instrumented code reads the flag with a plain (volatile) load. Under ThreadSanitizer that read
// and this write would be reported as a race whenever the runtime is disabled while other threads
// run (at exit, say): a TSan build of the runtime leaves the flag alone and answers every enter
// instead.
#if defined(__SANITIZE_THREAD__)
#define AUTOSPAN_DETAIL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AUTOSPAN_DETAIL_TSAN 1
#endif
#endif

// autospan_enter_v2 records where its caller's frame is (Frame::cfa: the caller's stack pointer
// at the call), so that the runtime can tell which frames an exception left without landing pads
// (runtime/core/exceptions.cpp). __builtin_dwarf_cfa() would give it, but makes Clang set up a
// frame pointer on every path; a two-instruction stub in front of the C++ entry reads the stack
// pointer before anything moves it. Instrumented code reaches autospan_enter_v2 by a direct call
// or a guaranteed tail call from the plugin's helper, so the value is the instrumented function's.
extern "C" __attribute__((visibility("hidden"))) void*
autospan_enter_impl(autospan_site* site, std::uintptr_t cfa) noexcept;

#if defined(__x86_64__) && defined(__ELF__)
#if defined(__CET__)
#define AUTOSPAN_ENDBR "  endbr64\n"
#else
#define AUTOSPAN_ENDBR
#endif
// rsp + 8 at entry: the caller's stack pointer before the call pushed the return address.
asm(".text\n"
    "  .globl autospan_enter_v2\n"
    "  .globl autospan_enter_v1\n"
    "  .type autospan_enter_v2, @function\n"
    "  .type autospan_enter_v1, @function\n"
    "  .p2align 4\n"
    "autospan_enter_v2:\n"
    "autospan_enter_v1:\n"
    "  .cfi_startproc\n" AUTOSPAN_ENDBR "  leaq 8(%rsp), %rsi\n"
    "  jmp autospan_enter_impl\n"
    "  .cfi_endproc\n"
    "  .size autospan_enter_v2, .-autospan_enter_v2\n"
    "  .size autospan_enter_v1, .-autospan_enter_v1\n");
#elif defined(__aarch64__) && defined(__ELF__)
// sp at entry is the caller's (the return address is in x30).
asm(".text\n"
    "  .globl autospan_enter_v2\n"
    "  .globl autospan_enter_v1\n"
    "  .type autospan_enter_v2, %function\n"
    "  .type autospan_enter_v1, %function\n"
    "  .p2align 4\n"
    "autospan_enter_v2:\n"
    "autospan_enter_v1:\n"
    "  .cfi_startproc\n"
    "  mov x1, sp\n"
    "  b autospan_enter_impl\n"
    "  .cfi_endproc\n"
    "  .size autospan_enter_v2, .-autospan_enter_v2\n"
    "  .size autospan_enter_v1, .-autospan_enter_v1\n");
#else
extern "C" AUTOSPAN_ABI_EXPORT void* autospan_enter_v2(autospan_site* site) noexcept {
  return autospan_enter_impl(site, reinterpret_cast<std::uintptr_t>(__builtin_dwarf_cfa()));
}
extern "C" AUTOSPAN_ABI_EXPORT void* autospan_enter_v1(autospan_site* site) noexcept
    __attribute__((alias("autospan_enter_v2")));
#endif

namespace {

// The end of the fast enter without the TSC, as a tail call: the fast path then makes no call and
// needs no stack frame. The empty asm hides that the result is the argument: knowing it, the
// compiler keeps the frame's address in a callee-saved register across this call instead, and
// the fast path pays a push and a pop for it.
__attribute__((noinline)) void* enter_start_slow_clock(autospan::internal::Frame& f) noexcept {
  f.start = autospan::internal::monotonic_ticks_slow();
  void* token = &f;
  asm("" : "+r"(token));
  return token;
}

// The enter's last step: the frame at depth d, and the clock.
__attribute__((always_inline)) inline void* enter_push(autospan_site* site, std::uintptr_t cfa,
                                                       std::uint32_t d) noexcept {
  namespace ai = autospan::internal;
  // Publish the depth before filling the frame: a signal handler that runs instrumented code
  // between the two then uses the next slot instead of overwriting this one. Until the frame's
  // flags are written, the slot holds its previous occupant's: marked unborn first, so that such
  // a handler's spans nest under the frame below rather than under that occupant (or under ids
  // given to a frame that the flags' store then forgets).
  ai::Frame& f = t_tls.stack[d];
  f.flags = ai::kFrameUnborn;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_tls.depth = d + 1;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  f.site = site;
  f.flags = ai::kind_of(site);
  f.cfa = cfa;
#if AUTOSPAN_HAVE_TSC
  if (__builtin_expect(!ai::g_clock_uses_tsc, 0))
    return enter_start_slow_clock(f);
  f.start = __rdtsc();
  return &f;
#else
  return enter_start_slow_clock(f);
#endif
}

// A root, or a full stack: out of line, so that the fast path runs without a taken branch.
__attribute__((noinline)) void* enter_root_or_full(autospan_site* site, std::uintptr_t cfa,
                                                   std::uint32_t d) noexcept {
  namespace ai = autospan::internal;
  if (d != 0 || g_hot.root_slow.load(std::memory_order_relaxed))
    return ai::enter_general(site, cfa);
  return enter_push(site, cfa, d);
}

// The enter once the process-wide gate is open for this site: the thread's gate, its first call,
// the stack's depth, then the frame and the clock.
__attribute__((always_inline)) inline void* enter_fast(autospan_site* site,
                                                       std::uintptr_t cfa) noexcept {
  namespace ai = autospan::internal;
  ai::ThreadState* t = t_tls.state;
  const std::uint8_t tls_gate = t_tls.gate;
  if (__builtin_expect(tls_gate != 0, 0)) {
    // Inside a sampled-out trace or inside the runtime: enter_general would answer NULL too (only
    // a thread that is just outside a required parent has something to decide there).
    if (tls_gate != ai::kTlsOutside)
      return nullptr;
    return ai::enter_general(site, cfa);
  }
  if (__builtin_expect(t == nullptr, 0))
    return ai::enter_general(site, cfa); // the thread's first call
  const std::uint32_t d = t_tls.depth;
  // One unsigned compare covers both "root" (d == 0 wraps) and "stack full".
  if (__builtin_expect(d - 1 >= ai::kStackCapacity - 1, 0))
    return enter_root_or_full(site, cfa, d);
  return enter_push(site, cfa, d);
}

// The process-wide gate is not kGateFast: disabled for good, or AUTOSPAN_FILTER decides per site.
// Out of line and reached by a tail call, so that the fast path starts without a taken branch.
__attribute__((noinline)) void* enter_gate_closed(autospan_site* site,
                                                  std::uintptr_t cfa) noexcept {
  namespace ai = autospan::internal;
  if (g_hot.gate.load(std::memory_order_relaxed) == ai::kGateDisabled) {
    // Disabled for good: no gate ever reopens once closed. This thread's automatic and manual
    // sites stop calling (t_tls.gate is its own, so no race even under TSan), and so do objects
    // built against the first form of version 2 (the process-wide byte).
    ai::t_tls.gate |= ai::kTlsDisabled;
#if !defined(AUTOSPAN_DETAIL_TSAN)
    __atomic_store_n(&autospan_disabled_v2, 1, __ATOMIC_RELAXED);
#endif
    return nullptr;
  }
  // AUTOSPAN_FILTER keeps the gate off kGateFast: a site resolved off returns here, one resolved
  // on continues on the fast path.
  ai::FilterHot filter = ai::filter_hot(site);
  if (filter == ai::FilterHot::off)
    return nullptr;
  if (filter == ai::FilterHot::general)
    return ai::enter_general(site, cfa);
  return enter_fast(site, cfa);
}

} // namespace

extern "C" void* autospan_enter_impl(autospan_site* site, std::uintptr_t cfa) noexcept {
  namespace ai = autospan::internal;
  if (__builtin_expect(g_hot.gate.load(std::memory_order_relaxed) != ai::kGateFast, 0))
    return enter_gate_closed(site, cfa);
  return enter_fast(site, cfa);
}

namespace {

// The exit of every ABI version after the clock read; always inlined so that each exported entry
// is a single function.
__attribute__((always_inline)) inline void exit_token_at(std::uintptr_t token,
                                                         std::uint64_t now) noexcept {
  namespace ai = autospan::internal;
  ai::ThreadState* t = t_tls.state;
  const std::uintptr_t tok = ai::depth_of(token);
  if (__builtin_expect(t == nullptr || tok != t_tls.depth || t_tls.exit_gate != 0 ||
                           g_hot.exit_mode.load(std::memory_order_relaxed) != 0 ||
                           tok > ai::kStackCapacity,
                       0))
    return ai::exit_general(t, tok, now);
  ai::Frame& f = *reinterpret_cast<ai::Frame*>(token);
  // The common drop: an auto frame without a kept descendant, shorter than the minimum.
  if (f.flags == ai::kFrameAuto) {
    const std::uint64_t start = f.start;
    if (now - start < g_hot.min_ticks.load(std::memory_order_relaxed)) {
      std::atomic_signal_fence(std::memory_order_seq_cst);
      t_tls.depth = static_cast<std::uint32_t>(tok - 1);
      std::atomic_signal_fence(std::memory_order_seq_cst);
      // A signal handler between the check and the pop may have kept this frame (see
      // exit_late_keep); one load of a line already in L1.
      if (__builtin_expect(f.flags != ai::kFrameAuto, 0))
        ai::exit_late_keep(t, tok, start, now);
      return;
    }
    return ai::exit_keep(t, tok, now, f);
  }
  // Kept by a descendant. A root that only has ids (a sampler or TRACEPARENT gave them) is still
  // subject to the minimum: exit_general decides.
  if ((f.flags & ~(ai::kFrameHasIds | ai::kFrameKeep)) == ai::kFrameAuto &&
      (f.flags & ai::kFrameKeep))
    return ai::exit_keep(t, tok, now, f);
  return ai::exit_general(t, tok, now);
}

// exit_token without the TSC, out of line: the fast exit then makes no call before its tail calls
// and needs no stack frame.
__attribute__((noinline)) void exit_token_slow_clock(std::uintptr_t tok) noexcept {
  exit_token_at(tok, autospan::internal::monotonic_ticks_slow());
}

__attribute__((always_inline)) inline void exit_token(std::uintptr_t tok) noexcept {
  if (tok == 0)
    return;
#if AUTOSPAN_HAVE_TSC
  if (__builtin_expect(autospan::internal::g_clock_uses_tsc, 1))
    return exit_token_at(tok, __rdtsc());
#endif
  exit_token_slow_clock(tok);
}

} // namespace

extern "C" AUTOSPAN_ABI_EXPORT void autospan_exit_v2(void* token) noexcept {
  exit_token(reinterpret_cast<std::uintptr_t>(token));
}

extern "C" AUTOSPAN_ABI_EXPORT void autospan_cleanup_v2(void** token) noexcept {
  exit_token(reinterpret_cast<std::uintptr_t>(*token));
}

// The plugin's landing pads (clang-plugin/unwind_pass.h): exits that unwinding skips.
extern "C" AUTOSPAN_ABI_EXPORT void autospan_unwound_v2(void* token) noexcept {
  namespace ai = autospan::internal;
  ai::ThreadState* t = t_tls.state;
  if (token == nullptr || t == nullptr)
    return;
  const std::uintptr_t tok = ai::depth_of(reinterpret_cast<std::uintptr_t>(token));
  if (tok >= t_tls.depth)
    return;
  ai::end_unwound_frames(t, static_cast<std::uint32_t>(tok), 0, 0);
}

// Clang computes the caller's stack pointer from a frame pointer it sets up here: this runs on
// exception paths only.
extern "C" AUTOSPAN_ABI_EXPORT void autospan_unwound_below_v2(void) noexcept {
  namespace ai = autospan::internal;
  ai::unwound_below(reinterpret_cast<std::uintptr_t>(__builtin_dwarf_cfa()));
}

extern "C" AUTOSPAN_ABI_EXPORT void* autospan_unwind_mark_v2(void) noexcept {
  const autospan::internal::ThreadState* t = t_tls.state;
  return reinterpret_cast<void*>(std::uintptr_t{t != nullptr ? t_tls.depth : 0} + 1);
}

extern "C" AUTOSPAN_ABI_EXPORT void autospan_unwind_to_v2(void* mark) noexcept {
  namespace ai = autospan::internal;
  const auto m = reinterpret_cast<std::uintptr_t>(mark);
  ai::ThreadState* t = t_tls.state;
  if (m == 0 || t == nullptr || m - 1 >= t_tls.depth)
    return;
  ai::end_unwound_frames(t, static_cast<std::uint32_t>(m - 1), 0, 0);
}

// ABI version 1: the same entry without the caller's test of autospan_disabled_v2 (defined with
// autospan_enter_v2 above), and the cleanup form of the exit.

extern "C" AUTOSPAN_ABI_EXPORT void autospan_exit_v1(void** token) noexcept {
  exit_token(reinterpret_cast<std::uintptr_t>(*token));
}
