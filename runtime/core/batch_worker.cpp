#include "batch_worker.h"

#include "../log.h"
#include "runtime_control.h"
#include "runtime_internal.h"

#include <algorithm>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <type_traits>
#include <unistd.h>

namespace autospan::internal {
namespace {

// A span record's id: the kept exit's fast path leaves it a raw counter value of its thread's
// IdRng (kRecRawSpanId), mixed here with that thread's key.
std::uint64_t span_word(const ThreadState* t, const Record& r) noexcept {
  return (r.flags & kRecRawSpanId) != 0 ? IdRng::mix(r.span_id, t->rng.key) : r.span_id;
}

std::atomic<BatchWorker*> g_worker{nullptr};

constexpr std::size_t kReservoir = 4096;

void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                std::chrono::nanoseconds timeout) {
  if (timeout.count() <= 0)
    return;
  timespec ts;
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000000000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1000000000);
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, &ts,
          nullptr, 0);
}

void futex_wake(std::atomic<std::uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr,
          nullptr, 0);
}

Attribute make_attr(const char* key, AttributeValue value) {
  return Attribute{key, std::move(value)};
}

std::string read_process_comm() {
  char buf[64] = {};
  if (std::FILE* f = std::fopen("/proc/self/comm", "re")) {
    if (std::fgets(buf, sizeof buf, f)) {
      std::size_t n = std::strlen(buf);
      if (n > 0 && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    }
    std::fclose(f);
  }
  return buf;
}

// Forward protobuf writing for the encoded fast path (runtime/export/proto_writer.h writes
// backwards, which suits whole messages, not a stream of spans appended one by one).
constexpr std::uint8_t kLen = 2;
std::size_t varint_size(std::uint64_t v) {
  return static_cast<std::size_t>(63 - __builtin_clzll(v | 1)) / 7 + 1;
}
void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(static_cast<std::uint8_t>(v) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
std::uint8_t* put_varint(std::uint8_t* p, std::uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<std::uint8_t>(v) | 0x80;
    v >>= 7;
  }
  *p++ = static_cast<std::uint8_t>(v);
  return p;
}
void put_len_field(std::string& out, std::uint32_t field, const std::string& bytes) {
  put_varint(out, field << 3 | kLen);
  put_varint(out, bytes.size());
  out += bytes;
}
// One Span.attributes entry (field 9): KeyValue{key, value: AnyValue}.
void put_attribute(std::string& out, const std::string& key, const std::string& any_value) {
  std::string kv;
  put_len_field(kv, 1, key);
  put_len_field(kv, 2, any_value);
  put_len_field(out, 9, kv);
}
std::string any_string(const std::string& v) {
  std::string a;
  put_len_field(a, 1, v);
  return a;
}
std::string any_int(std::int64_t v) {
  std::string a;
  put_varint(a, 3 << 3); // int_value, varint
  put_varint(a, static_cast<std::uint64_t>(v));
  return a;
}
inline std::uint8_t* put_be64(std::uint8_t* p, std::uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
  return p + 8;
}
inline std::uint8_t* put_le64(std::uint8_t* p, std::uint64_t v) {
  std::memcpy(p, &v, 8); // x86-64 and every other target the runtime builds for: little-endian
  return p + 8;
}
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "put_le64 assumes little-endian");

// Sets attribute n of sd (appending when needed), reusing the slot's string buffers: slots are
// reused batch after batch, so the steady state allocates nothing.
template <typename V> void put_attr(SpanData& sd, std::size_t& n, const char* key, V&& value) {
  if (n == sd.attributes.size())
    sd.attributes.emplace_back();
  Attribute& a = sd.attributes[n++];
  a.key.assign(key);
  using T = std::decay_t<V>;
  if (auto* cur = std::get_if<T>(&a.value))
    *cur = std::forward<V>(value);
  else
    a.value = std::forward<V>(value);
}

} // namespace

// One batch's worth of queued spans: SpanData slots (manual spans, and every span when some
// exporter needs SpanData) plus auto spans already encoded as OTLP protobuf. Blocks are recycled,
// so their buffers stop growing after the first few batches.
struct BatchWorker::QueueBlock {
  std::vector<SpanData> spans; // [0, count) are queued; the rest keep their buffers for reuse
  std::size_t count = 0;
  std::unique_ptr<std::uint8_t[]> bytes; // consecutive ScopeSpans.spans fields
  std::size_t used = 0;
  std::size_t capacity = 0;
  std::size_t encoded = 0; // spans in `bytes`
  bool sealed = false;     // due for export as it is (or handed to the sender): nothing is added

  std::size_t total() const { return count + encoded; }
  void reset() {
    count = used = encoded = 0;
    sealed = false;
  }
  std::uint8_t* room(std::size_t n) {
    if (capacity - used < n) {
      std::size_t cap = std::max<std::size_t>(capacity * 2, std::size_t{64} * 1024);
      while (cap - used < n)
        cap *= 2;
      std::unique_ptr<std::uint8_t[]> fresh(new std::uint8_t[cap]);
      if (used != 0)
        std::memcpy(fresh.get(), bytes.get(), used);
      bytes = std::move(fresh);
      capacity = cap;
    }
    return bytes.get() + used;
  }
};

// A site's span fields that never change, encoded once: name and kind (fields 5, 6) and the
// code.* attributes (field 9).
struct BatchWorker::SiteBytes {
  std::string attributes;
  std::size_t attribute_count = 0;
  // What encode_direct copies, each followed by kCopySlack bytes (copy_padded): the head (name
  // and kind), and the span's tail for the thread whose bytes were current at tail_gen: the
  // attributes, that thread's attributes and the flags field (not remote; encode_direct patches
  // that bit).
  std::vector<std::uint8_t> head;
  std::size_t head_size = 0;
  std::vector<std::uint8_t> tail;
  std::size_t tail_size = 0;
  std::uint64_t tail_gen = 0; // 0: not built
  std::size_t body_root = 0;  // the span's encoded size when it is a root (no parent id)
};

namespace {

// copy_padded's over-read and over-write, at most.
constexpr std::size_t kCopySlack = 16;

// Copies n bytes in 16-byte pieces, inline: reads up to kCopySlack - 1 bytes past src + n and
// writes as many past dst + n, so both buffers must have that much room beyond. A site's bytes are
// a hundred or two, and a call to memcpy for each of them cost more than the copy.
inline std::uint8_t* copy_padded(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) {
  for (std::size_t i = 0; i < n; i += kCopySlack)
    std::memcpy(dst + i, src + i, kCopySlack);
  return dst + n;
}

// The flags field (16, fixed32) of a direct span: sampled and has_is_remote; is_remote is bit 9,
// the low bit of the value's second byte.
constexpr std::uint8_t kFlagsField[6] = {0x85, 0x01, 0x01, 0x01, 0x00, 0x00};
constexpr std::size_t kFlagsRemoteByte = 3; // from the field's start: (0x200 >> 8) goes here

} // namespace

std::mutex g_trace_state_mutex;
std::deque<std::pair<std::pair<std::uint64_t, std::uint64_t>, std::string>> g_trace_states;
std::atomic<std::size_t> g_trace_state_count{0};
constexpr std::size_t kMaxTraceStates = 1024;

void trace_states_lock() noexcept {
  g_trace_state_mutex.lock();
}

void trace_states_unlock() noexcept {
  g_trace_state_mutex.unlock();
}

void remember_trace_state(std::uint64_t hi, std::uint64_t lo, const std::string& ts) {
  if (ts.empty())
    return;
  std::lock_guard<std::mutex> lock(g_trace_state_mutex);
  for (auto& e : g_trace_states)
    if (e.first.first == hi && e.first.second == lo) {
      e.second = ts;
      return;
    }
  if (g_trace_states.size() >= kMaxTraceStates)
    g_trace_states.pop_front();
  g_trace_states.push_back({{hi, lo}, ts});
  g_trace_state_count.store(g_trace_states.size(), std::memory_order_release);
}

bool lookup_trace_state(std::uint64_t hi, std::uint64_t lo, std::string& out) {
  if (g_trace_state_count.load(std::memory_order_acquire) == 0)
    return false;
  std::lock_guard<std::mutex> lock(g_trace_state_mutex);
  for (auto it = g_trace_states.rbegin(); it != g_trace_states.rend(); ++it)
    if (it->first.first == hi && it->first.second == lo) {
      out = it->second;
      return true;
    }
  return false;
}

std::atomic<bool> g_worker_start_pending{false};
std::atomic<int> g_pending_signal{0};

void request_worker_start() noexcept {
  g_worker_start_pending.store(true, std::memory_order_relaxed);
}

void maybe_start_worker() noexcept {
  if (!g_worker_start_pending.exchange(false, std::memory_order_relaxed))
    return;
  if (BatchWorker* w = worker()) {
    BusyScope busy;
    try {
      w->start();
    } catch (...) {
    }
  }
}

BatchWorker* worker() noexcept {
  return g_worker.load(std::memory_order_acquire);
}

void set_worker(BatchWorker* w) noexcept {
  g_worker.store(w, std::memory_order_release);
}

void worker_wake() noexcept {
  if (BatchWorker* w = worker())
    w->wake();
}

void worker_nudge() noexcept {
  if (BatchWorker* w = worker())
    w->nudge();
}

BatchWorker::BatchWorker(Resource resource, InstrumentationScope scope,
                         std::vector<std::unique_ptr<SpanExporter>> exporters)
    : resource_(std::move(resource)), scope_(std::move(scope)), exporters_(std::move(exporters)) {
  process_comm_ = read_process_comm();
  next_export_ = std::chrono::steady_clock::now() + config().schedule_delay;
  encode_direct_ = all_exporters_take_protobuf();
}

bool BatchWorker::all_exporters_take_protobuf() const {
  if (exporters_.empty())
    return false;
  for (const auto& e : exporters_)
    if (!e || !e->accepts_encoded_spans())
      return false;
  return true;
}

std::size_t BatchWorker::batch_size() const {
  return std::max<std::size_t>(1, config().max_batch);
}

void BatchWorker::start() {
  std::lock_guard<std::mutex> lock(control_mutex_);
  if (running_ || stop_)
    return;
  BusyScope busy;
  // Asynchronous signals (SIGALRM timers, SIGINT, SIGCHLD, ...) sent to the process must reach
  // the program's threads, where its handlers expect to run, not this one: it starts with all of
  // them blocked (the mask is inherited, so there is no window).
  struct BlockAllSignals {
    sigset_t previous;
    BlockAllSignals() {
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_SETMASK, &all, &previous);
    }
    ~BlockAllSignals() { pthread_sigmask(SIG_SETMASK, &previous, nullptr); }
  } blocked;
  // The sender first, so that the export thread hands it every batch. Without it (thread creation
  // failed) the export thread calls the exporters itself.
  try {
    std::thread sender([this] {
      t_tls.gate = kTlsBusy;
      t_tls.dead = 1;
      pthread_setname_np(pthread_self(), "autospan-send");
      sender_run();
    });
    sender.detach();
    sender_running_.store(true, std::memory_order_release);
  } catch (...) {
  }
  // The export thread must never be traced: its TLS gate stays busy for its whole life.
  thread_ = std::thread([this] {
    t_tls.gate = kTlsBusy;
    t_tls.dead = 1;
    pthread_setname_np(pthread_self(), "autospan-export");
    run();
  });
  thread_.detach();
  running_ = true;
}

void BatchWorker::wake() noexcept {
  // Pairs with the fence in run(): either the export thread sees the new records before it
  // sleeps, or we see it sleeping and wake it.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // An idle sender drains and sends at once (sender_run); while it is busy with a batch, the
  // export thread moves the records into the queue meanwhile. A fatal signal (on_fatal_signal)
  // is the export thread's business.
  if (sender_idle_.load(std::memory_order_relaxed) &&
      g_pending_signal.load(std::memory_order_relaxed) == 0) {
    // One futex call per idle period: a producer wakes every sixteenth of its ring from half
    // full on, and a woken thread often takes longer to run than that; the later calls would
    // find nobody to wake. After four unserved wake-ups (a quarter ring; on a busy machine a
    // woken thread can wait milliseconds for a CPU) wake the export thread too, whichever runs
    // first drains. (A wake-up counted against an idle period that just ended is made up by the
    // producer's next one.)
    const std::uint32_t unserved = unserved_wakes_.fetch_add(1, std::memory_order_relaxed);
    if (unserved == 0) {
      sender_seq_.fetch_add(1, std::memory_order_relaxed);
      futex_wake(&sender_seq_);
      return;
    }
    if (unserved < 4)
      return;
  }
  if (sleeping_.load(std::memory_order_relaxed)) {
    wake_seq_.fetch_add(1, std::memory_order_relaxed);
    futex_wake(&wake_seq_);
  }
}

void BatchWorker::run() {
  int fatal_signal = 0;
  for (;;) {
    if (int sig = g_pending_signal.exchange(0, std::memory_order_acq_rel)) {
      // SIGINT/SIGTERM with the default action: export what we have, then let the signal do
      // what it would have done (below, once stopped).
      fatal_signal = sig;
      std::unique_lock<std::mutex> lock(control_mutex_);
      if (!stop_) {
        stop_ = true;
        stop_deadline_ = std::chrono::steady_clock::now() + config().shutdown_timeout;
        auto deadline = stop_deadline_;
        lock.unlock();
        begin_stop(deadline);
      }
    }
    std::uint64_t flush_target;
    bool stopping;
    std::chrono::steady_clock::time_point stop_deadline;
    {
      std::lock_guard<std::mutex> lock(control_mutex_);
      flush_target = flush_requested_;
      stopping = stop_;
      stop_deadline = stop_deadline_;
    }
    bool backlog;
    bool paused;
    bool sending;
    bool flushed_all = true;
    {
      std::lock_guard<std::mutex> lock(pipeline_mutex_);
      collect(std::chrono::steady_clock::time_point::min());
      backlog = drain_rings();
      auto now = std::chrono::steady_clock::now();
      bool due = now >= next_export_;
      bool must_flush = flush_target != flush_done_ || stopping;
      paused = !must_flush && now < paused_until_;
      if (must_flush) {
        auto deadline = stopping ? stop_deadline : now + config().export_timeout;
        bool flowing = export_queue(deadline, true);
        // Whatever the rings accumulated meanwhile belongs to this flush too: all of a backlog,
        // and a few rounds of what the program's threads record while we export (each round
        // shorter than the last; a thread that never stops recording must not hold the flush
        // until its deadline).
        for (int rounds = 0; flowing && std::chrono::steady_clock::now() < deadline;) {
          bool more = drain_rings();
          if (blocks_.empty())
            break;
          flowing = export_queue(deadline, true);
          if (!more && ++rounds >= 4)
            break;
        }
        if (in_flight_ == nullptr)
          for (auto& e : exporters_)
            e->force_flush(std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()));
        flushed_all = queued_ == 0 && in_flight_ == nullptr;
      } else if (!paused) {
        // Everything queued now is due: the sender takes the sealed blocks one after another.
        if (due && !blocks_.empty())
          blocks_.back()->sealed = true;
        pump(now + config().export_timeout, backlog);
      }
      if (due || queued_ == 0)
        next_export_ = std::chrono::steady_clock::now() + config().schedule_delay;
      sending = in_flight_ != nullptr;
    }
    if (stopping) {
      {
        std::lock_guard<std::mutex> pl(pipeline_mutex_);
        // A batch still in flight overran the deadline: the sender keeps the exporters.
        bool sender_idle = in_flight_ == nullptr;
        count_unsent();
        {
          std::lock_guard<std::mutex> sl(send_mutex_);
          send_quit_ = true;
        }
        wake_sender();
        sender_running_.store(false, std::memory_order_release);
        if (sender_idle)
          for (auto& e : exporters_)
            e->shutdown(std::chrono::duration_cast<std::chrono::milliseconds>(
                stop_deadline - std::chrono::steady_clock::now()));
      }
      {
        std::lock_guard<std::mutex> lock(control_mutex_);
        flush_done_ = flush_target;
        stopped_ = true;
        control_cv_.notify_all();
      }
      if (fatal_signal != 0)
        reraise_default(fatal_signal);
      return;
    }
    if (flush_target != flush_done_) {
      std::lock_guard<std::mutex> lock(control_mutex_);
      flush_done_ = flush_target;
      flush_ok_ = flushed_all;
      control_cv_.notify_all();
    }
    // The queue is full and the sender idle: export at once. With a batch in flight, wait for
    // the sender (it wakes us) rather than spin.
    if (backlog && !paused && !sending)
      continue;
    // Sleep until the next scheduled export (or the end of a pause), a wake-up from a producer,
    // or the sender's result.
    std::uint32_t seq = wake_seq_.load(std::memory_order_relaxed);
    sleeping_.store(true, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    bool pending_work = false;
    {
      std::lock_guard<std::mutex> lock(control_mutex_);
      pending_work = flush_requested_ != flush_done_ || stop_;
    }
    // A signal stored before the fence above is seen here; one stored after it sees
    // sleeping_ and wakes us. The sender stores send_done_ before bumping wake_seq_.
    pending_work |= g_pending_signal.load(std::memory_order_acquire) != 0;
    pending_work |= sending && send_done_.load(std::memory_order_seq_cst);
    if (!pending_work) {
      auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(
          (paused ? paused_until_ : next_export_) - std::chrono::steady_clock::now());
      wait = std::max(wait, std::chrono::nanoseconds(std::chrono::milliseconds(1)));
      futex_wait(&wake_seq_, seq, wait);
    }
    sleeping_.store(false, std::memory_order_relaxed);
  }
}

void BatchWorker::sender_run() {
  std::uint64_t drained_at_sleep = 0;
  auto slept_at = std::chrono::steady_clock::now();
  double rate = 0; // records drained per ns, moving average
  for (;;) {
    QueueBlock* job = nullptr;
    std::chrono::steady_clock::time_point deadline;
    {
      std::lock_guard<std::mutex> lock(send_mutex_);
      if (send_quit_) {
        sender_idle_.store(false, std::memory_order_relaxed);
        sender_polling_.store(false, std::memory_order_relaxed);
        return;
      }
      if (send_job_ != nullptr && !send_done_.load(std::memory_order_relaxed)) {
        job = send_job_;
        deadline = send_deadline_;
      }
    }
    if (job == nullptr) {
      // Idle. A producer whose ring got half full wakes this thread rather than the export
      // thread (wake()): drain here and send what is due, one wake-up per batch instead of two.
      if (serve_rings())
        continue;
      // While spans stream in, come back on a timer, about when half a ring has filled at the
      // rate seen (a quarter of one that cannot grow any more), and tell the producers so
      // (nudge()): they then wake nobody below three quarters full, and the futex calls (an IPI
      // to an idle CPU, several microseconds on a VM) leave the program's threads. Half, not a
      // quarter: each timer wake-up is the largest cost of a drain (measured on a 2-vCPU VM:
      // ~24 us of this thread's CPU time per timed sleep, against ~4 us for a wake-up by another
      // thread), and halving their number took ~15 ns off every exported span at 1 M spans/s.
      // The rate is a moving average over the sleeps: when the stream stops, each empty poll
      // halves it (and doubles the period) until it is too low to poll for, and the sender
      // sleeps until woken.
      const auto now = std::chrono::steady_clock::now();
      const std::uint64_t drained = drained_records_.load(std::memory_order_relaxed);
      const double elapsed_ns = static_cast<double>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - slept_at).count());
      if (elapsed_ns > 0)
        rate = 0.5 * rate + 0.5 * static_cast<double>(drained - drained_at_sleep) / elapsed_ns;
      drained_at_sleep = drained;
      slept_at = now;
      // The room is the least room of the rings that had records at the last drain (drain_ring):
      // a ring grows under pressure (up to 8x), and once it has, polling as often as its
      // starting size asks for buys nothing.
      std::size_t room = poll_room_.load(std::memory_order_relaxed);
      if (room == 0)
        room = config().max_queue / 2;
      const double records = static_cast<double>(std::max<std::size_t>(room, 32));
      std::chrono::nanoseconds wait = std::chrono::hours(1);
      const bool poll = rate * static_cast<double>(kPollMax.count()) * 1e6 >= kPollMinRecords;
      if (poll)
        wait = std::chrono::nanoseconds(static_cast<std::int64_t>(
            std::clamp(records / rate, static_cast<double>(kPollMin.count()) * 1e3,
                       static_cast<double>(kPollMax.count()) * 1e6)));
      sender_polling_.store(poll, std::memory_order_relaxed);
      std::uint32_t seq = sender_seq_.load(std::memory_order_relaxed);
      // After the sequence number: a producer that counts itself first from here on bumps it
      // after we read it, so the wait below returns at once.
      unserved_wakes_.store(0, std::memory_order_relaxed);
      sender_idle_.store(true, std::memory_order_seq_cst);
      bool work;
      {
        // Pairs with wake_sender(): it publishes under the mutex, then sees us idle.
        std::lock_guard<std::mutex> lock(send_mutex_);
        work = send_quit_ || (send_job_ != nullptr && !send_done_.load(std::memory_order_relaxed));
      }
      if (!work)
        futex_wait(&sender_seq_, seq, wait);
      sender_idle_.store(false, std::memory_order_relaxed);
      continue;
    }
    SendOutcome outcome = send_block(*job, deadline);
    if (continue_sending(job, outcome))
      continue;
    {
      std::lock_guard<std::mutex> lock(send_mutex_);
      send_outcome_ = outcome;
      send_done_.store(true, std::memory_order_seq_cst);
    }
    send_cv_.notify_all();
    // Pairs with the export thread's check of send_done_ after it set sleeping_ (both seq_cst):
    // it sees the result, or we see it sleeping.
    if (sleeping_.load(std::memory_order_seq_cst)) {
      wake_seq_.fetch_add(1, std::memory_order_seq_cst);
      futex_wake(&wake_seq_);
    }
  }
}

void BatchWorker::nudge() noexcept {
  // The sender polls the rings while spans stream in (sender_run): it drains this one within
  // its poll period, or after the batch it is sending.
  if (sender_polling_.load(std::memory_order_relaxed))
    return;
  wake();
}

void BatchWorker::wake_sender() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (sender_idle_.load(std::memory_order_seq_cst)) {
    sender_seq_.fetch_add(1, std::memory_order_seq_cst);
    futex_wake(&sender_seq_);
  }
}

bool BatchWorker::serve_rings() {
  if (final_.load(std::memory_order_acquire))
    return false;
  // The export thread holds the pipeline: it drains, or hands us a batch (which wakes us).
  // Never wait for the lock: the export thread may hold it while it waits for us.
  if (!pipeline_mutex_.try_lock())
    return false;
  std::lock_guard<std::mutex> pipeline(pipeline_mutex_, std::adopt_lock);
  if (in_flight_ != nullptr)
    return false; // a result the export thread has not collected yet
  drain_rings();
  auto now = std::chrono::steady_clock::now();
  if (now >= paused_until_)
    pump(now + config().export_timeout, backlog_);
  return in_flight_ != nullptr;
}

bool BatchWorker::continue_sending(QueueBlock* job, const SendOutcome& outcome) {
  // Only a batch every exporter took, while nothing unusual is going on: failures, pauses,
  // flushes and the final export keep the export thread in charge.
  if (outcome.expired || outcome.transient + outcome.permanent != 0 ||
      final_.load(std::memory_order_acquire))
    return false;
  // Held by the export thread (it is draining, or waits for this result in a flush): hand the
  // result over the usual way.
  if (!pipeline_mutex_.try_lock())
    return false;
  std::lock_guard<std::mutex> pipeline(pipeline_mutex_, std::adopt_lock);
  if (in_flight_ != job)
    return false;
  {
    std::lock_guard<std::mutex> lock(send_mutex_);
    send_job_ = nullptr;
  }
  complete(outcome);
  // Drain the rings here too: the export thread stops draining when the queue is full and waits
  // for this batch to leave, and while spans stream in, this keeps the rings short without
  // waking it (a producer wakes it only when its ring gets half full).
  drain_rings();
  auto now = std::chrono::steady_clock::now();
  if (now >= paused_until_)
    pump(now + config().export_timeout, backlog_);
  return true;
}

namespace {

// Programs often name a thread inside its (instrumented) entry function, after its state was
// made: before building a thread's pending spans, take its current name. A live thread's name is
// read from /proc/self/task/<tid>/comm (what pthread_getname_np reads for another thread); an
// exited thread left its final name in exit_name. Only the export thread writes thread_name
// after the state is published.
void update_thread_name(ThreadState* t) {
  if (t->exited.load(std::memory_order_acquire)) {
    if (t->exit_name[0] != '\0')
      std::memcpy(t->thread_name, t->exit_name, sizeof t->thread_name);
    return;
  }
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%llu/comm",
                static_cast<unsigned long long>(t->tid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  char name[sizeof t->thread_name] = {};
  // Under the worker's lock, which application threads take only to flush or shut down: a read
  // of procfs (no disk), at most once per kNameRefresh per thread.
  // NOLINTNEXTLINE(clang-analyzer-unix.BlockInCriticalSection)
  ssize_t n = ::read(fd, name, sizeof name - 1);
  ::close(fd);
  if (n <= 0)
    return;
  if (name[n - 1] == '\n')
    name[n - 1] = '\0';
  std::memcpy(t->thread_name, name, sizeof name);
}

} // namespace

void BatchWorker::refresh_thread_name(ThreadState* t) {
  if (t->exited.load(std::memory_order_acquire)) {
    update_thread_name(t);
    return;
  }
  // A live thread's name costs an open/read/close of /proc (a few microseconds): at most once
  // per kNameRefresh per thread, so that a thread recording a million spans a second does not
  // pay it at every drain. The first drain of a thread always reads it.
  const auto now = std::chrono::steady_clock::now();
  auto it = name_read_.find(t);
  if (it != name_read_.end() && now - it->second < kNameRefresh)
    return;
  name_read_[t] = now;
  update_thread_name(t);
}

bool BatchWorker::drain_rings() {
  registry_collect(live_, exited_);
  bool backlog = false;
  drained_poll_room_ = 0;
  // A backlog is a ring left undrained because the queue is full, not records published since
  // the drain began: a thread that ends a span meanwhile (a root span right after a join, say)
  // must not make the batch drained so far leave at once, split from its trace's last span.
  for (ThreadState* t : live_) {
    if (t->head.load(std::memory_order_acquire) != t->tail.load(std::memory_order_relaxed))
      refresh_thread_name(t);
    if (!drain_ring(t))
      backlog = true;
  }
  for (auto it = exited_.begin(); it != exited_.end();) {
    ThreadState* t = *it;
    if (t->head.load(std::memory_order_acquire) != t->tail.load(std::memory_order_relaxed))
      update_thread_name(t);
    // An exited thread publishes nothing more: drained once, its state can go.
    if (!drain_ring(t)) {
      backlog = true;
      ++it;
      continue;
    }
    name_read_.erase(t); // the address may come back for another thread
    exit_drops_buffer_ += t->dropped_full.load(std::memory_order_relaxed);
    exit_drops_overflow_ += t->dropped_overflow.load(std::memory_order_relaxed);
    delete static_cast<BaggageSnapshot*>(t->worker_baggage);
    destroy_thread_state(t);
    it = exited_.erase(it);
  }
  // Refine the minimum duration as the TSC calibration converges.
  converter_.calibrate();
  // Stored only when it changes: the hot path reads this cache line on every call, and a store
  // per drain would take it away from the producers' cores each time.
  const std::uint64_t min_ticks =
      converter_.ticks_for_ns(static_cast<std::uint64_t>(config().options.min_duration.count()));
  if (g_hot.min_ticks.load(std::memory_order_relaxed) != min_ticks)
    g_hot.min_ticks.store(min_ticks, std::memory_order_relaxed);
  if (drained_poll_room_ != 0)
    poll_room_.store(drained_poll_room_, std::memory_order_relaxed);
  backlog_ = backlog;
  return backlog;
}

bool BatchWorker::drain_ring(ThreadState* t) {
  std::uint64_t tail = t->tail.load(std::memory_order_relaxed);
  const std::uint64_t start = tail;
  std::uint64_t head = t->head.load(std::memory_order_acquire);
  const RingView ring = ring_view(t);
  if (tail == head) {
    ring_retire(t, ring, tail);
    return true;
  }
  std::size_t max_queue = config().max_queue;
  // What this ring may take before the sender's next poll: half of it while it can still grow
  // (at three quarters its thread grows it), a quarter once it cannot (the rest is all the slack
  // there is for a late drain), and no more than the export queue holds: more would only wait
  // in the ring while the queue's batches go out, and eat into that slack.
  const std::size_t capacity = ring.mask + 1;
  const std::size_t room =
      std::min(ring_can_grow(capacity) ? capacity / 2 : capacity / 4, max_queue);
  if (drained_poll_room_ == 0 || room < drained_poll_room_)
    drained_poll_room_ = room;
  const bool direct = encode_direct_ && prepare_direct(t);
  direct_.block_left = 0;
  while (tail != head) {
    const Record& r = ring.at(tail);
    if (r.type == RecordType::Span || r.type == RecordType::ManualSpan) {
      if (queued_ >= max_queue)
        break;
    }
    if (!(r.type == RecordType::Span && direct && encode_direct(t, r))) {
      direct_.block_left = 0; // the general path may start a block of its own
      convert(t, r);
    }
    ++tail;
  }
  drained_records_.store(drained_records_.load(std::memory_order_relaxed) + (tail - start),
                         std::memory_order_relaxed);
  t->tail.store(tail, std::memory_order_release);
  ring_retire(t, ring, tail);
  return tail == head;
}

BatchWorker::QueueBlock& BatchWorker::fill_block() {
  if (blocks_.empty() || blocks_.back()->sealed || blocks_.back()->total() >= batch_size()) {
    std::unique_ptr<QueueBlock> b;
    if (!spare_blocks_.empty()) {
      b = std::move(spare_blocks_.back());
      spare_blocks_.pop_back();
      b->reset();
    } else {
      b = std::make_unique<QueueBlock>();
    }
    blocks_.push_back(std::move(b));
  }
  return *blocks_.back();
}

SpanData& BatchWorker::next_slot() {
  QueueBlock& b = fill_block();
  if (b.count == b.spans.size())
    b.spans.emplace_back();
  ++queued_;
  return b.spans[b.count++];
}

void BatchWorker::update_thread_bytes(ThreadState* t) {
  // Once per thread per drain (the name may have changed), unless the same thread's bytes with
  // the same name are still there: one producer thread drains thousands of times a second.
  if (thread_bytes_tid_ == t->tid && !thread_bytes_.empty() &&
      std::memcmp(thread_bytes_name_, t->thread_name, sizeof thread_bytes_name_) == 0)
    return;
  thread_bytes_tid_ = t->tid;
  std::memcpy(thread_bytes_name_, t->thread_name, sizeof thread_bytes_name_);
  bool named = t->thread_name[0] != '\0' && process_comm_ != t->thread_name;
  ++thread_bytes_gen_; // the sites' tails are rebuilt with these bytes
  thread_bytes_.clear();
  thread_attribute_count_ = 1;
  put_attribute(thread_bytes_, "thread.id", any_int(static_cast<std::int64_t>(t->tid)));
  if (named) {
    put_attribute(thread_bytes_, "thread.name", any_string(t->thread_name));
    thread_attribute_count_ = 2;
  }
}

BatchWorker::SiteBytes* BatchWorker::site_bytes(std::uint32_t site_id) {
  if (site_id < site_bytes_.size() && site_bytes_[site_id])
    return site_bytes_[site_id].get();
  const SiteInfo* site = site_info(site_id);
  if (site == nullptr)
    return nullptr;
  auto sb = std::make_unique<SiteBytes>();
  std::string head;
  put_len_field(head, 5, site->name);
  put_varint(head, 6 << 3); // kind, varint
  put_varint(head, static_cast<std::uint64_t>(SpanKind::Internal));
  put_attribute(sb->attributes, "code.function.name", any_string(site->function));
  sb->attribute_count = 1;
  if (!site->file.empty()) {
    put_attribute(sb->attributes, "code.file.path", any_string(site->file));
    ++sb->attribute_count;
  }
  if (site->line != 0) {
    put_attribute(sb->attributes, "code.line.number",
                  any_int(static_cast<std::int64_t>(site->line)));
    ++sb->attribute_count;
  }
  sb->head_size = head.size();
  sb->head.assign(head.begin(), head.end());
  sb->head.resize(sb->head_size + kCopySlack);
  if (site_id >= site_bytes_.size())
    site_bytes_.resize(site_id + 1);
  site_bytes_[site_id] = std::move(sb);
  return site_bytes_[site_id].get();
}

void BatchWorker::build_site_tail(SiteBytes& sb) {
  sb.tail.clear();
  sb.tail.insert(sb.tail.end(), sb.attributes.begin(), sb.attributes.end());
  sb.tail.insert(sb.tail.end(), thread_bytes_.begin(), thread_bytes_.end());
  sb.tail.insert(sb.tail.end(), std::begin(kFlagsField), std::end(kFlagsField));
  sb.tail_size = sb.tail.size();
  sb.tail.resize(sb.tail_size + kCopySlack);
  // trace_id, span_id, start and end (18 + 10 + 9 + 9), the head and the tail.
  sb.body_root = 18 + 10 + sb.head_size + 18 + sb.tail_size;
  sb.tail_gen = thread_bytes_gen_;
}

// What encode_direct needs that stays the same for a whole drain of one ring, read once: the
// configuration, the clock conversion, the thread's attributes. False when no span of this drain
// can take the direct path. Read after the ring's head (acquire): a sampler's attributes for a
// span in the ring were registered before the span was recorded.
bool BatchWorker::prepare_direct(ThreadState* t) {
  const RuntimeConfig& c = config();
  if (c.baggage_all || !c.baggage_attribute_keys.empty() ||
      c.options.is_set(OptionId::attribute_value_length_limit))
    return false;
  if (g_control.pending_sampler_attributes.load(std::memory_order_relaxed) != 0)
    return false;
  update_thread_bytes(t);
  direct_.roots = c.options.pipeline_id.empty();
  direct_.attribute_room = c.options.span_attribute_count_limit >= thread_attribute_count_
                               ? c.options.span_attribute_count_limit - thread_attribute_count_
                               : 0;
  const ContextValue& env = c.env_context;
  direct_.env_trace_state = env.valid() && !env.trace_state.empty();
  direct_.env_hi = env.trace_hi;
  direct_.env_lo = env.trace_lo;
  const ClockAnchor& anchor = clock_anchor();
  direct_.anchor_ticks = anchor.ticks;
  direct_.anchor_real_ns = anchor.real_ns;
  direct_.ns_per_tick = converter_.ns_per_tick();
  return true;
}

// The same span convert() would build, straight into protobuf bytes: fields in ascending order,
// as encode_otlp_protobuf writes them. Anything beyond the common case (an exception, a sampler's
// or baggage attributes, a pipeline id, a tracestate, attribute limits that bite) takes the
// general path. prepare_direct() ran for this drain.
bool BatchWorker::encode_direct(const ThreadState* t, const Record& r) {
  if ((r.flags & (kRecError | kRecUnfinished)) != 0 || r.payload != nullptr)
    return false;
  const bool root = r.parent_span_id == 0;
  if (root && !direct_.roots)
    return false;
  if (direct_.env_trace_state && r.trace_hi == direct_.env_hi && r.trace_lo == direct_.env_lo)
    return false;
  if (g_trace_state_count.load(std::memory_order_acquire) != 0) {
    std::string ts;
    if (lookup_trace_state(r.trace_hi, r.trace_lo, ts))
      return false;
  }
  SiteBytes* sb = r.site_id < site_bytes_.size() && site_bytes_[r.site_id]
                      ? site_bytes_[r.site_id].get()
                      : site_bytes(r.site_id);
  if (sb == nullptr)
    return false;
  if (sb->attribute_count > direct_.attribute_room)
    return false;
  if (sb->tail_gen != thread_bytes_gen_)
    build_site_tail(*sb);

  const std::size_t body = sb->body_root + (root ? 0 : 10);
  // The block being filled, kept for the drain (drain_ring forgets it before the general path).
  if (direct_.block_left == 0) {
    direct_.block = &fill_block();
    direct_.block_left = batch_size() - direct_.block->total();
  }
  QueueBlock& b = *direct_.block;
  std::uint8_t* const start = b.room(1 + varint_size(body) + body + kCopySlack);
  std::uint8_t* p = start;
  *p++ = 0x12; // ScopeSpans.spans
  p = put_varint(p, body);
  *p++ = 0x0a; // trace_id
  *p++ = 16;
  p = put_be64(p, r.trace_hi);
  p = put_be64(p, r.trace_lo);
  *p++ = 0x12; // span_id
  *p++ = 8;
  p = put_be64(p, span_word(t, r));
  if (!root) {
    *p++ = 0x22; // parent_span_id
    *p++ = 8;
    p = put_be64(p, r.parent_span_id);
  }
  p = copy_padded(p, sb->head.data(), sb->head_size);
  *p++ = 0x39; // start_time_unix_nano, fixed64
  p = put_le64(p, unix_nanos(r.start));
  *p++ = 0x41; // end_time_unix_nano, fixed64
  p = put_le64(p, unix_nanos(r.end));
  p = copy_padded(p, sb->tail.data(), sb->tail_size);
  if ((r.flags & kRecParentRemote) != 0)
    *(p - (sizeof kFlagsField - kFlagsRemoteByte)) |= 0x02;
  b.used += static_cast<std::size_t>(p - start);
  ++b.encoded;
  --direct_.block_left;
  ++queued_;
  return true;
}

void BatchWorker::add_common_attributes(SpanData& sd, ThreadState* t, bool root, bool thread_id) {
  const RuntimeConfig& c = config();
  if (thread_id)
    sd.attributes.push_back(make_attr("thread.id", static_cast<std::int64_t>(t->tid)));
  if (t->thread_name[0] != '\0' && process_comm_ != t->thread_name)
    sd.attributes.push_back(make_attr("thread.name", std::string(t->thread_name)));
  if (root && !c.options.pipeline_id.empty())
    sd.attributes.push_back(
        Attribute{c.options.pipeline_id_attribute, AttributeValue(c.options.pipeline_id)});
  if (c.baggage_all || !c.baggage_attribute_keys.empty()) {
    // A thread that never changed its baggage carries the process's (BAGGAGE at start).
    const auto& entries = t->worker_baggage != nullptr
                              ? static_cast<BaggageSnapshot*>(t->worker_baggage)->entries
                              : c.env_context.baggage;
    for (const auto& [key, value] : entries) {
      if (c.baggage_all ||
          std::find(c.baggage_attribute_keys.begin(), c.baggage_attribute_keys.end(), key) !=
              c.baggage_attribute_keys.end())
        sd.attributes.push_back(Attribute{key, AttributeValue(value)});
    }
  }
}

void BatchWorker::finish_span(SpanData& sd) {
  const Options& o = config().options;
  std::size_t count_limit = o.span_attribute_count_limit;
  if (sd.attributes.size() > count_limit) {
    sd.dropped_attributes_count += static_cast<std::uint32_t>(sd.attributes.size() - count_limit);
    sd.attributes.resize(count_limit);
  }
  if (o.is_set(OptionId::attribute_value_length_limit)) {
    std::size_t limit = o.attribute_value_length_limit;
    auto clip = [limit](std::vector<Attribute>& attrs) {
      for (auto& a : attrs) {
        if (auto* s = std::get_if<std::string>(&a.value); s && s->size() > limit)
          s->resize(limit);
        else if (auto* v = std::get_if<std::vector<std::string>>(&a.value))
          for (auto& e : *v)
            if (e.size() > limit)
              e.resize(limit);
      }
    };
    clip(sd.attributes);
    for (auto& e : sd.events)
      clip(e.attributes);
    for (auto& l : sd.links)
      clip(l.attributes);
  }
  if (sd.trace_state.empty()) {
    std::uint64_t hi, lo;
    words_from_trace_id(sd.trace_id, hi, lo);
    const ContextValue& env = config().env_context;
    if (env.valid() && !env.trace_state.empty() && hi == env.trace_hi && lo == env.trace_lo)
      sd.trace_state = env.trace_state;
    else
      lookup_trace_state(hi, lo, sd.trace_state);
  }
}

void BatchWorker::convert(ThreadState* t, const Record& r) {
  switch (r.type) {
  case RecordType::Baggage:
    delete static_cast<BaggageSnapshot*>(t->worker_baggage);
    t->worker_baggage = r.payload;
    return;
  case RecordType::SiteStat:
    note_site_stat(r);
    return;
  case RecordType::ManualSpan: {
    std::unique_ptr<SpanData> src(static_cast<SpanData*>(r.payload));
    SpanData& sd = next_slot();
    sd = std::move(*src);
    sd.start_unix_nano = converter_.to_unix_nanos(r.start);
    sd.end_unix_nano = converter_.to_unix_nanos(r.end);
    for (auto& e : sd.events)
      e.time_unix_nano = converter_.to_unix_nanos(e.time_unix_nano);
    bool root = std::all_of(sd.parent_span_id.begin(), sd.parent_span_id.end(),
                            [](std::uint8_t b) { return b == 0; });
    add_common_attributes(sd, t, root, true);
    finish_span(sd);
    return;
  }
  case RecordType::Span:
    break;
  default:
    return;
  }
  std::unique_ptr<ExceptionInfo> exc(static_cast<ExceptionInfo*>(r.payload));
  const SiteInfo* site = site_info(r.site_id);
  if (site == nullptr)
    return;
  SpanData& sd = next_slot();
  const std::uint64_t span_id = span_word(t, r);
  sd.trace_id = trace_id_from_words(r.trace_hi, r.trace_lo);
  sd.span_id = span_id_from_word(span_id);
  sd.parent_span_id = span_id_from_word(r.parent_span_id);
  sd.parent_is_remote = (r.flags & kRecParentRemote) != 0;
  sd.trace_flags = 1;
  sd.trace_state.clear();
  sd.name = site->name;
  sd.kind = SpanKind::Internal;
  sd.start_unix_nano = converter_.to_unix_nanos(r.start);
  sd.end_unix_nano = converter_.to_unix_nanos(r.end);
  sd.dropped_attributes_count = 0;
  sd.events.clear();
  sd.dropped_events_count = 0;
  sd.links.clear();
  sd.dropped_links_count = 0;
  sd.status = StatusCode::Unset;
  sd.status_message.clear();

  std::size_t n = 0;
  put_attr(sd, n, "code.function.name", site->function);
  if (!site->file.empty())
    put_attr(sd, n, "code.file.path", site->file);
  if (site->line != 0)
    put_attr(sd, n, "code.line.number", static_cast<std::int64_t>(site->line));
  put_attr(sd, n, "thread.id", static_cast<std::int64_t>(t->tid));
  sd.attributes.resize(n);
  add_common_attributes(sd, t, r.parent_span_id == 0, false);
  add_sampler_attributes(span_id, sd.attributes);
  if (r.flags & kRecUnfinished)
    sd.attributes.push_back(make_attr("autospan.unfinished", true));
  if (r.flags & kRecError) {
    sd.status = StatusCode::Error;
    Event ev;
    ev.name = "exception";
    ev.time_unix_nano = sd.end_unix_nano;
    ev.attributes.push_back(make_attr(
        "exception.type", exc && !exc->type.empty() ? exc->type : std::string("unknown")));
    if (exc && !exc->message.empty())
      ev.attributes.push_back(make_attr("exception.message", exc->message));
    if (exc && !exc->message.empty())
      sd.status_message = exc->message;
    sd.events.push_back(std::move(ev));
  }
  finish_span(sd);
}

void BatchWorker::note_site_stat(const Record& r) {
  SiteStats& s = stats_[r.site_id];
  double ns = static_cast<double>(r.end - r.start) * converter_.ns_per_tick();
  double child = static_cast<double>(r.span_id) * converter_.ns_per_tick();
  s.calls++;
  if (r.flags & kRecFiltered)
    s.filtered++;
  s.total_ns += ns;
  s.self_ns += std::max(0.0, ns - child);
  s.max_ns = std::max(s.max_ns, ns);
  // Reservoir sampling keeps percentiles bounded in memory.
  if (s.samples_ns.size() < kReservoir) {
    s.samples_ns.push_back(static_cast<float>(ns));
  } else {
    std::uint64_t j = (s.calls * 0x9e3779b97f4a7c15ull >> 11) % s.calls;
    if (j < kReservoir)
      s.samples_ns[j] = static_cast<float>(ns);
  }
}

BatchWorker::SendOutcome BatchWorker::send_block(QueueBlock& block,
                                                 std::chrono::steady_clock::time_point deadline) {
  SendOutcome o;
  auto remaining = deadline - std::chrono::steady_clock::now();
  auto exporter_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(remaining);
  if (exporter_timeout.count() <= 0) {
    o.expired = true; // past the deadline: no attempt
    return o;
  }
  ExportBatch b;
  b.resource = &resource_;
  b.scope = &scope_;
  b.spans = block.spans.data();
  b.count = block.count;
  b.encoded_spans = block.bytes.get();
  b.encoded_size = block.used;
  b.encoded_count = block.encoded;
  for (auto& e : exporters_) {
    ExportResult res = e->export_batch(b, exporter_timeout);
    if (res == ExportResult::Success)
      ++o.succeeded;
    else if (res == ExportResult::RetryExhausted)
      ++o.transient;
    else
      ++o.permanent;
  }
  return o;
}

void BatchWorker::dispatch(std::chrono::steady_clock::time_point deadline) {
  QueueBlock* b = blocks_.front().get();
  b->sealed = true;
  queued_ -= b->total();
  in_flight_ = b;
  if (sender_running_.load(std::memory_order_acquire)) {
    {
      std::lock_guard<std::mutex> lock(send_mutex_);
      send_job_ = b;
      send_deadline_ = deadline;
      send_done_.store(false, std::memory_order_relaxed);
    }
    wake_sender();
    return;
  }
  // No sender thread (a fork child before its threads start, or after shutdown): export here.
  SendOutcome o = send_block(*b, deadline);
  std::lock_guard<std::mutex> lock(send_mutex_);
  send_job_ = b;
  send_outcome_ = o;
  send_done_.store(true, std::memory_order_relaxed);
}

bool BatchWorker::collect(std::chrono::steady_clock::time_point wait_until, bool* flowing) {
  if (flowing != nullptr)
    *flowing = true;
  if (in_flight_ == nullptr)
    return true;
  SendOutcome o;
  {
    std::unique_lock<std::mutex> lock(send_mutex_);
    auto done = [&] { return send_done_.load(std::memory_order_relaxed); };
    if (!done() && wait_until > std::chrono::steady_clock::now())
      send_cv_.wait_until(lock, wait_until, done);
    if (!done())
      return false;
    o = send_outcome_;
    send_done_.store(false, std::memory_order_relaxed);
    send_job_ = nullptr;
  }
  bool f = complete(o);
  if (flowing != nullptr)
    *flowing = f;
  return true;
}

bool BatchWorker::complete(const SendOutcome& o) {
  QueueBlock* b = in_flight_;
  in_flight_ = nullptr;
  const std::size_t n = b->total();
  const bool final = final_.load(std::memory_order_acquire);
  if (o.expired) {
    // Only a final flush gets here with spans left.
    (final ? unsent_ : export_failed_).fetch_add(n, std::memory_order_relaxed);
  } else if (o.transient > 0 && o.succeeded == 0 && o.permanent == 0 && !final) {
    // The collector is unavailable (every exporter ran out of retries): keep the batch and try
    // again later. While it is down the queue and then the threads' buffers fill; only then are
    // spans dropped (and counted). With several exporters a batch one of them took is not
    // retried (it would arrive twice there).
    AUTOSPAN_LOG(Debug, "collector unavailable: %zu spans stay queued for a later attempt",
                 queued_ + n);
    paused_until_ =
        std::chrono::steady_clock::now() +
        std::min<std::chrono::nanoseconds>(std::chrono::seconds(1), config().schedule_delay);
    queued_ += n; // back in the queue, at its front (sealed: sent again as it is)
    return false;
  } else if (o.transient + o.permanent == 0) {
    exported_.fetch_add(n, std::memory_order_relaxed);
  } else {
    export_failed_.fetch_add(n, std::memory_order_relaxed);
    // At exit the one summary line says it; the exporter has logged why.
    if (!final)
      AUTOSPAN_LOG(Warn, "%zu spans dropped: the export failed", n);
  }
  std::unique_ptr<QueueBlock> done = std::move(blocks_.front());
  blocks_.pop_front();
  // Enough spare blocks for a full queue; more only come from a queue that was larger.
  if (spare_blocks_.size() < config().max_queue / batch_size() + 2)
    spare_blocks_.push_back(std::move(done));
  return true;
}

void BatchWorker::pump(std::chrono::steady_clock::time_point deadline, bool backlog) {
  if (in_flight_ != nullptr || blocks_.empty())
    return;
  const QueueBlock& front = *blocks_.front();
  // A later block exists only once the front one is full or sealed.
  if (front.sealed || front.total() >= batch_size() || blocks_.size() > 1 || backlog)
    dispatch(deadline);
}

bool BatchWorker::export_queue(std::chrono::steady_clock::time_point deadline, bool all) {
  if (abandoned_)
    return false;
  bool flowing = true;
  // A little slack beyond the deadline the exporters were given, for the sender to return.
  const auto wait_until = deadline + std::chrono::milliseconds(20);
  if (!collect(wait_until, &flowing) || !flowing)
    return false;
  while (!blocks_.empty()) {
    const QueueBlock& front = *blocks_.front();
    if (!all && !front.sealed && front.total() < batch_size() && blocks_.size() == 1)
      break;
    dispatch(deadline);
    if (!collect(wait_until, &flowing) || !flowing)
      return false;
  }
  return true;
}

void BatchWorker::begin_stop(std::chrono::steady_clock::time_point deadline) {
  final_.store(true, std::memory_order_release);
  std::lock_guard<std::mutex> lock(control_mutex_);
  for (auto& e : exporters_)
    e->begin_shutdown(deadline);
}

void BatchWorker::count_unsent() {
  std::uint64_t n = queued_;
  queued_ = 0;
  if (in_flight_ != nullptr) {
    // Still with the sender past the deadline: it may read the block until it returns.
    n += in_flight_->total();
    (void)blocks_.front().release(); // NOLINT(bugprone-unused-return-value): leaked on purpose
    blocks_.pop_front();
    in_flight_ = nullptr;
    abandoned_ = true;
  }
  while (!blocks_.empty()) {
    spare_blocks_.push_back(std::move(blocks_.front()));
    blocks_.pop_front();
  }
  // Records the queue had no room for: still in the threads' rings.
  for (auto* list : {&live_, &exited_})
    for (ThreadState* t : *list) {
      std::uint64_t head = t->head.load(std::memory_order_acquire);
      const RingView ring = ring_view(t);
      for (std::uint64_t i = t->tail.load(std::memory_order_relaxed); i != head; ++i) {
        const Record& r = ring.at(i);
        n += r.type == RecordType::Span || r.type == RecordType::ManualSpan;
        // The records' payloads are ours once read, as in convert().
        if (r.type == RecordType::ManualSpan) {
          delete static_cast<SpanData*>(r.payload);
        } else if (r.type == RecordType::Span) {
          delete static_cast<ExceptionInfo*>(r.payload);
        } else if (r.type == RecordType::Baggage) {
          delete static_cast<BaggageSnapshot*>(t->worker_baggage);
          t->worker_baggage = r.payload;
        }
      }
      t->tail.store(head, std::memory_order_release);
    }
  unsent_.fetch_add(n, std::memory_order_relaxed);
}

bool BatchWorker::flush(std::chrono::nanoseconds timeout) {
  std::unique_lock<std::mutex> lock(control_mutex_);
  if (!running_ || stopped_) {
    lock.unlock();
    // No export thread (fork child that never started one, or after shutdown): flush inline.
    std::lock_guard<std::mutex> pl(pipeline_mutex_);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool flowing = true;
    while (flowing && drain_rings() && std::chrono::steady_clock::now() < deadline)
      flowing = export_queue(deadline, true);
    return flowing && export_queue(deadline, true);
  }
  std::uint64_t target = ++flush_requested_;
  lock.unlock();
  wake_seq_.fetch_add(1, std::memory_order_relaxed);
  futex_wake(&wake_seq_);
  lock.lock();
  bool done =
      control_cv_.wait_for(lock, timeout, [&] { return flush_done_ >= target || stopped_; });
  return done && (stopped_ || flush_ok_);
}

bool BatchWorker::shutdown(std::chrono::nanoseconds timeout) {
  std::unique_lock<std::mutex> lock(control_mutex_);
  if (stopped_)
    return true;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!running_) {
    lock.unlock();
    begin_stop(deadline);
    std::lock_guard<std::mutex> pl(pipeline_mutex_);
    while (drain_rings() && std::chrono::steady_clock::now() < deadline)
      export_queue(deadline, true);
    export_queue(deadline, true);
    count_unsent();
    for (auto& e : exporters_)
      e->shutdown(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
    std::lock_guard<std::mutex> relock(control_mutex_);
    stopped_ = true;
    return true;
  }
  // Before stop_: the sender's shortcuts (continue_sending, serve_rings) stop dispatching on
  // their own from here, so no batch starts behind the final export's back.
  final_.store(true, std::memory_order_release);
  stop_ = true;
  stop_deadline_ = deadline;
  lock.unlock();
  // An export in flight (retrying against a collector that is down, waiting on one that never
  // answers) gives up by the deadline instead of running out its own timeout.
  begin_stop(deadline);
  wake_seq_.fetch_add(1, std::memory_order_relaxed);
  futex_wake(&wake_seq_);
  lock.lock();
  // A little slack beyond the exporters' own deadline for the thread to notice.
  return control_cv_.wait_for(lock, timeout + std::chrono::milliseconds(50),
                              [&] { return stopped_; });
}

void BatchWorker::after_fork_child(Resource resource,
                                   std::vector<std::unique_ptr<SpanExporter>> exporters) {
  // The mutexes may have been held by threads that do not exist here.
  new (&pipeline_mutex_) std::mutex();
  new (&control_mutex_) std::mutex();
  new (&control_cv_) std::condition_variable();
  // The parent's exporters share its sockets: never touch them here (leaked on purpose).
  for (auto& e : exporters_)
    (void)e.release(); // NOLINT(bugprone-unused-return-value): leaked on purpose
  exporters_ = std::move(exporters);
  resource_ = std::move(resource);
  // Queued spans are the parent's to export. The sender thread does not exist here.
  new (&send_mutex_) std::mutex();
  new (&send_cv_) std::condition_variable();
  send_job_ = nullptr;
  send_done_.store(false);
  send_quit_ = false;
  sender_running_.store(false);
  sender_idle_.store(false);
  sender_polling_.store(false);
  abandoned_ = false;
  in_flight_ = nullptr;
  while (!blocks_.empty()) {
    spare_blocks_.push_back(std::move(blocks_.front()));
    blocks_.pop_front();
  }
  queued_ = 0;
  encode_direct_ = all_exporters_take_protobuf();
  live_.clear();
  exited_.clear();
  name_read_.clear();
  stats_.clear();
  flush_requested_ = flush_done_ = 0;
  stop_ = stopped_ = false;
  running_ = false;
  (void)thread_.native_handle();
  new (&thread_) std::thread();
  sleeping_.store(false);
  exported_.store(0);
  export_failed_.store(0);
  queue_full_.store(0);
  unsent_.store(0);
  final_.store(false);
  paused_until_ = {};
  exit_drops_buffer_ = exit_drops_overflow_ = 0;
  next_export_ = std::chrono::steady_clock::now() + config().schedule_delay;
}

void BatchWorker::replace_exporters(std::vector<std::unique_ptr<SpanExporter>> exporters) {
  std::lock_guard<std::mutex> pl(pipeline_mutex_);
  // The sender must not be inside an exporter that is about to go (its export is bounded by
  // the export timeout).
  collect(std::chrono::steady_clock::now() + std::chrono::hours(1));
  std::lock_guard<std::mutex> lock(control_mutex_); // begin_stop reads the list under it
  exporters_ = std::move(exporters);
  encode_direct_ = all_exporters_take_protobuf();
  if (!encode_direct_) {
    // Spans encoded for the previous exporters cannot go to these.
    for (auto& b : blocks_)
      if (b->encoded != 0) {
        export_failed_.fetch_add(b->encoded, std::memory_order_relaxed);
        queued_ -= b->encoded;
        b->encoded = b->used = 0;
      }
  }
}

DropCounts BatchWorker::drops() {
  std::lock_guard<std::mutex> pl(pipeline_mutex_);
  return collect_drops();
}

bool BatchWorker::try_drops(DropCounts& out) {
  std::unique_lock<std::mutex> pl(pipeline_mutex_, std::try_to_lock);
  if (!pl.owns_lock())
    return false;
  out = collect_drops();
  return true;
}

DropCounts BatchWorker::collect_drops() {
  DropCounts d;
  registry_collect(live_, exited_);
  d.buffer_full = exit_drops_buffer_;
  d.stack_overflow = exit_drops_overflow_;
  for (auto* list : {&live_, &exited_})
    for (ThreadState* t : *list) {
      d.buffer_full += t->dropped_full.load(std::memory_order_relaxed);
      d.stack_overflow += t->dropped_overflow.load(std::memory_order_relaxed);
    }
  d.export_failed = export_failed_.load(std::memory_order_relaxed);
  d.queue_full = queue_full_.load(std::memory_order_relaxed);
  d.unsent = unsent_.load(std::memory_order_relaxed);
  return d;
}

std::vector<std::pair<std::uint32_t, SiteStats>> BatchWorker::site_stats() {
  std::lock_guard<std::mutex> pl(pipeline_mutex_);
  return {stats_.begin(), stats_.end()};
}

bool submit_manual_span(SpanData* span, std::uint64_t start_ticks,
                        std::uint64_t end_ticks) noexcept {
  BusyScope busy;
  ThreadState* t = current_thread_state();
  if (t == nullptr || worker() == nullptr) {
    delete span;
    return false;
  }
  Record r{};
  r.type = RecordType::ManualSpan;
  r.start = start_ticks;
  r.end = end_ticks;
  r.payload = span;
  if (!push_record(t, r)) {
    delete span;
    return false;
  }
  return true;
}

} // namespace autospan::internal
