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

BatchWorker::BatchWorker(Resource resource, InstrumentationScope scope,
                         std::vector<std::unique_ptr<SpanExporter>> exporters)
    : resource_(std::move(resource)), scope_(std::move(scope)), exporters_(std::move(exporters)) {
  process_comm_ = read_process_comm();
  next_export_ = std::chrono::steady_clock::now() + config().schedule_delay;
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
    bool flushed_all = true;
    {
      std::lock_guard<std::mutex> lock(pipeline_mutex_);
      backlog = drain_rings();
      auto now = std::chrono::steady_clock::now();
      bool due = now >= next_export_;
      bool must_flush = flush_target != flush_done_ || stopping;
      paused = !must_flush && now < paused_until_;
      if (!paused &&
          (queued_ >= config().max_batch || backlog || (due && queued_ > 0) || must_flush)) {
        auto deadline = must_flush && stopping ? stop_deadline : now + config().export_timeout;
        bool flowing = export_queue(deadline, must_flush || due);
        // Whatever the rings accumulated meanwhile belongs to this flush too.
        while (flowing && must_flush && drain_rings() &&
               std::chrono::steady_clock::now() < deadline)
          flowing = export_queue(deadline, true);
        if (must_flush) {
          drain_rings();
          if (flowing)
            export_queue(deadline, true);
          for (auto& e : exporters_)
            e->force_flush(std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()));
          flushed_all = queued_ == 0;
        }
      }
      if (due || queued_ == 0)
        next_export_ = std::chrono::steady_clock::now() + config().schedule_delay;
    }
    if (stopping) {
      {
        std::lock_guard<std::mutex> pl(pipeline_mutex_);
        count_unsent();
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
    if (backlog && !paused)
      continue;
    // Sleep until the next scheduled export (or the end of a pause) or a wake-up.
    std::uint32_t seq = wake_seq_.load(std::memory_order_relaxed);
    sleeping_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    bool pending_work = false;
    {
      std::lock_guard<std::mutex> lock(control_mutex_);
      pending_work = flush_requested_ != flush_done_ || stop_;
    }
    // A signal stored before the fence above is seen here; one stored after it sees
    // sleeping_ and wakes us.
    pending_work |= g_pending_signal.load(std::memory_order_acquire) != 0;
    if (!pending_work) {
      auto wait = (paused ? paused_until_ : next_export_) - std::chrono::steady_clock::now();
      futex_wait(&wake_seq_, seq,
                 std::max(std::chrono::nanoseconds(std::chrono::milliseconds(1)),
                          std::chrono::duration_cast<std::chrono::nanoseconds>(wait)));
    }
    sleeping_.store(false, std::memory_order_relaxed);
  }
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
  ssize_t n = ::read(fd, name, sizeof name - 1);
  ::close(fd);
  if (n <= 0)
    return;
  if (name[n - 1] == '\n')
    name[n - 1] = '\0';
  std::memcpy(t->thread_name, name, sizeof name);
}

} // namespace

bool BatchWorker::drain_rings() {
  registry_collect(live_, exited_);
  bool backlog = false;
  for (ThreadState* t : live_) {
    if (t->head.load(std::memory_order_acquire) != t->tail.load(std::memory_order_relaxed))
      update_thread_name(t);
    drain_ring(t);
    if (t->head.load(std::memory_order_acquire) != t->tail.load(std::memory_order_relaxed))
      backlog = true;
  }
  for (auto it = exited_.begin(); it != exited_.end();) {
    ThreadState* t = *it;
    if (t->head.load(std::memory_order_acquire) != t->tail.load(std::memory_order_relaxed))
      update_thread_name(t);
    drain_ring(t);
    if (t->head.load(std::memory_order_acquire) != t->tail.load(std::memory_order_relaxed)) {
      backlog = true;
      ++it;
      continue;
    }
    exit_drops_buffer_ += t->dropped_full.load(std::memory_order_relaxed);
    exit_drops_overflow_ += t->dropped_overflow.load(std::memory_order_relaxed);
    delete static_cast<BaggageSnapshot*>(t->worker_baggage);
    destroy_thread_state(t);
    it = exited_.erase(it);
  }
  // Refine the minimum duration as the TSC calibration converges.
  converter_.calibrate();
  g_hot.min_ticks.store(
      converter_.ticks_for_ns(static_cast<std::uint64_t>(config().options.min_duration.count())),
      std::memory_order_relaxed);
  return backlog;
}

void BatchWorker::drain_ring(ThreadState* t) {
  std::uint64_t tail = t->tail.load(std::memory_order_relaxed);
  std::uint64_t head = t->head.load(std::memory_order_acquire);
  std::size_t max_queue = config().max_queue;
  while (tail != head) {
    const Record& r = t->ring[tail & t->ring_mask];
    if (r.type == RecordType::Span || r.type == RecordType::ManualSpan) {
      if (queued_ >= max_queue)
        break;
    }
    convert(t, r);
    ++tail;
  }
  t->tail.store(tail, std::memory_order_release);
}

SpanData& BatchWorker::next_slot() {
  if (queued_ == queue_.size())
    queue_.emplace_back();
  return queue_[queued_++];
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
  sd.trace_id = trace_id_from_words(r.trace_hi, r.trace_lo);
  sd.span_id = span_id_from_word(r.span_id);
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
  add_sampler_attributes(r.span_id, sd.attributes);
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

bool BatchWorker::export_queue(std::chrono::steady_clock::time_point deadline, bool all) {
  std::size_t batch = std::max<std::size_t>(1, config().max_batch);
  std::size_t done = 0;
  bool flowing = true;
  const bool final = final_.load(std::memory_order_acquire);
  while (queued_ - done >= batch || (all && queued_ > done)) {
    std::size_t n = std::min(batch, queued_ - done);
    ExportBatch b;
    b.resource = &resource_;
    b.scope = &scope_;
    b.spans = queue_.data() + done;
    b.count = n;
    auto remaining = deadline - std::chrono::steady_clock::now();
    auto exporter_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(remaining);
    if (exporter_timeout.count() <= 0) {
      // Past the deadline: no attempt. Only a final flush gets here with spans left.
      (final ? unsent_ : export_failed_).fetch_add(n, std::memory_order_relaxed);
      done += n;
      continue;
    }
    std::size_t succeeded = 0, transient = 0, permanent = 0;
    for (auto& e : exporters_) {
      ExportResult res = e->export_batch(b, exporter_timeout);
      if (res == ExportResult::Success)
        ++succeeded;
      else if (res == ExportResult::RetryExhausted)
        ++transient;
      else
        ++permanent;
    }
    // The collector is unavailable (every exporter ran out of retries): keep the batch and try
    // again later. While it is down the queue and then the threads' buffers fill; only then are
    // spans dropped (and counted). With several exporters a batch one of them took is not
    // retried (it would arrive twice there).
    if (transient > 0 && succeeded == 0 && permanent == 0 && !final) {
      AUTOSPAN_LOG(Debug, "collector unavailable: %zu spans stay queued for a later attempt",
                   queued_ - done);
      paused_until_ =
          std::chrono::steady_clock::now() +
          std::min<std::chrono::nanoseconds>(std::chrono::seconds(1), config().schedule_delay);
      flowing = false;
      break;
    }
    if (transient + permanent == 0) {
      exported_.fetch_add(n, std::memory_order_relaxed);
    } else {
      export_failed_.fetch_add(n, std::memory_order_relaxed);
      // At exit the one summary line says it; the exporter has logged why.
      if (!final)
        AUTOSPAN_LOG(Warn, "%zu spans dropped: the export failed", n);
    }
    done += n;
  }
  // Keep the unexported tail at the front; the slots' buffers are reused by later spans.
  if (done > 0) {
    for (std::size_t i = done; i < queued_; ++i)
      std::swap(queue_[i - done], queue_[i]);
    queued_ -= done;
  }
  return flowing;
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
  // Records the queue had no room for: still in the threads' rings.
  for (auto* list : {&live_, &exited_})
    for (ThreadState* t : *list) {
      std::uint64_t head = t->head.load(std::memory_order_acquire);
      for (std::uint64_t i = t->tail.load(std::memory_order_relaxed); i != head; ++i) {
        RecordType type = t->ring[i & t->ring_mask].type;
        n += type == RecordType::Span || type == RecordType::ManualSpan;
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
    (void)e.release();
  exporters_ = std::move(exporters);
  resource_ = std::move(resource);
  // Queued spans are the parent's to export.
  queued_ = 0;
  live_.clear();
  exited_.clear();
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
  std::lock_guard<std::mutex> lock(control_mutex_); // begin_stop reads the list under it
  exporters_ = std::move(exporters);
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
