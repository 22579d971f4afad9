// Start-up (environment, resource, exporters, export thread), exit and fork handling.
#include "runtime.h"

#include "../log.h"
#include "batch_worker.h"
#include "clock.h"
#include "log_control.h"
#include "propagation.h"
#include "runtime_control.h"
#include "runtime_internal.h"
#include "summary.h"

#include <autospan/version.h>

#include <algorithm>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <exception>
#include <mutex>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#if defined(AUTOSPAN_HAVE_EXPORTERS)
#include "../export/exporters.h"
#endif

namespace autospan::internal {
namespace {

std::atomic<const RuntimeConfig*> g_config{nullptr};
std::atomic<std::uint64_t> g_fork_generation{0};
std::atomic<int> g_init_state{0}; // 0 = not started, 1 = in progress, 2 = done
std::mutex g_init_mutex;

const RuntimeConfig& default_config() {
  static const RuntimeConfig* c = [] {
    auto* rc = new RuntimeConfig();
    rc->options = parse_options(nullptr, nullptr);
    return rc;
  }();
  return *c;
}

std::string executable_name() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return "unknown";
  buf[n] = '\0';
  const char* slash = std::strrchr(buf, '/');
  return slash ? slash + 1 : buf;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0)
    return "";
  return buf;
}

std::string first_set(const Options& o, OptionId specific, const std::string& specific_value,
                      const std::string& generic_value) {
  return o.is_set(specific) ? specific_value : generic_value;
}

} // namespace

Resource build_resource(const Options& o) {
  Resource r;
  std::size_t malformed = 0;
  auto user = parse_key_value_list(o.resource_attributes, &malformed);
  if (malformed > 0)
    AUTOSPAN_LOG(Warn,
                 "OTEL_RESOURCE_ATTRIBUTES: ignored %zu malformed entr%s (expected key=value)",
                 malformed, malformed == 1 ? "y" : "ies");
  std::string service = o.service_name;
  for (const auto& [k, v] : user)
    if (k == "service.name" && service.empty())
      service = v;
  if (service.empty())
    service = "unknown_service:" + executable_name();
  r.attributes.push_back({"service.name", service});
  for (const auto& [k, v] : user) {
    if (k == "service.name" || k.rfind("telemetry.sdk.", 0) == 0)
      continue;
    r.attributes.push_back({k, v});
  }
  r.attributes.push_back({"telemetry.sdk.name", std::string("autospan")});
  r.attributes.push_back({"telemetry.sdk.language", std::string("cpp")});
  r.attributes.push_back({"telemetry.sdk.version", std::string(AUTOSPAN_VERSION_STRING)});
  // Detected attributes only where OTEL_RESOURCE_ATTRIBUTES did not set them: the configured
  // value wins and OTLP forbids duplicate keys.
  auto user_sets = [&user](const char* key) {
    for (const auto& kv : user)
      if (kv.first == key)
        return true;
    return false;
  };
  if (!user_sets("process.pid"))
    r.attributes.push_back({"process.pid", static_cast<std::int64_t>(getpid())});
  std::string host = user_sets("host.name") ? std::string() : host_name();
  if (!host.empty())
    r.attributes.push_back({"host.name", host});
  return r;
}

#if defined(AUTOSPAN_HAVE_EXPORTERS)
OtlpOptions otlp_options_from(const Options& o) {
  OtlpOptions out;
  std::string protocol =
      first_set(o, OptionId::otlp_traces_protocol, o.otlp_traces_protocol, o.otlp_protocol);
  out.protocol = protocol == "grpc"        ? OtlpProtocol::Grpc
                 : protocol == "http/json" ? OtlpProtocol::HttpJson
                                           : OtlpProtocol::HttpProtobuf;
  bool grpc = out.protocol == OtlpProtocol::Grpc;
  if (o.is_set(OptionId::otlp_traces_endpoint)) {
    out.endpoint = o.otlp_traces_endpoint; // the signal-specific URL is used as is
  } else if (o.is_set(OptionId::otlp_endpoint)) {
    out.endpoint = o.otlp_endpoint;
    if (!grpc) {
      if (out.endpoint.empty() || out.endpoint.back() != '/')
        out.endpoint += '/';
      out.endpoint += "v1/traces";
    }
  } else {
    out.endpoint = grpc ? "http://localhost:4317" : "http://localhost:4318/v1/traces";
  }
  std::size_t malformed = 0;
  out.headers = parse_key_value_list(o.otlp_headers, &malformed);
  std::size_t malformed_traces = 0;
  for (auto& [k, v] : parse_key_value_list(o.otlp_traces_headers, &malformed_traces)) {
    bool replaced = false;
    for (auto& h : out.headers)
      if (h.first == k) {
        h.second = v;
        replaced = true;
      }
    if (!replaced)
      out.headers.emplace_back(k, v);
  }
  if (malformed + malformed_traces > 0)
    AUTOSPAN_LOG(Warn, "OTEL_EXPORTER_OTLP_[TRACES_]HEADERS: ignored %zu malformed entr%s",
                 malformed + malformed_traces, malformed + malformed_traces == 1 ? "y" : "ies");
  auto timeout = o.is_set(OptionId::otlp_traces_timeout) ? o.otlp_traces_timeout : o.otlp_timeout;
  out.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  std::string compression = first_set(o, OptionId::otlp_traces_compression,
                                      o.otlp_traces_compression, o.otlp_compression);
  out.compression = compression == "gzip" ? OtlpCompression::Gzip : OtlpCompression::None;
  out.certificate_file = first_set(o, OptionId::otlp_traces_certificate, o.otlp_traces_certificate,
                                   o.otlp_certificate);
  out.client_key_file =
      first_set(o, OptionId::otlp_traces_client_key, o.otlp_traces_client_key, o.otlp_client_key);
  out.client_certificate_file =
      first_set(o, OptionId::otlp_traces_client_certificate, o.otlp_traces_client_certificate,
                o.otlp_client_certificate);
  out.insecure =
      o.is_set(OptionId::otlp_traces_insecure) ? o.otlp_traces_insecure : o.otlp_insecure;
  out.builtin_http = o.otlp_http_client != "libcurl";
  return out;
}
#endif

std::string file_exporter_path(const Options& o) {
  if (!o.file_path.empty())
    return o.file_path;
  return "autospan-" + std::to_string(getpid()) + ".jsonl";
}

std::vector<std::unique_ptr<SpanExporter>> make_exporters(const Options& o) {
  std::vector<std::unique_ptr<SpanExporter>> out;
  for (const std::string& name : o.traces_exporter) {
    if (name == "none")
      continue;
#if defined(AUTOSPAN_HAVE_EXPORTERS)
    std::unique_ptr<SpanExporter> e;
    if (name == "otlp") {
      e = make_otlp_exporter(otlp_options_from(o));
    } else if (name == "console") {
      ConsoleOptions c;
      c.stream = stderr;
      c.color = o.no_color.empty() && isatty(STDERR_FILENO);
      e = make_console_exporter(c);
    } else if (name == "file") {
      FileOptions f;
      f.path = file_exporter_path(o);
      e = make_file_exporter(f);
    }
    if (e)
      out.push_back(std::move(e));
    else
      AUTOSPAN_LOG(Warn, "OTEL_TRACES_EXPORTER: could not create the '%s' exporter", name.c_str());
#else
    AUTOSPAN_LOG(Warn, "OTEL_TRACES_EXPORTER=%s: this build of autospan has no exporters",
                 name.c_str());
#endif
  }
  return out;
}

namespace {

ContextValue env_context_from(const Options& o) {
  ContextValue c;
  bool tracecontext = false, baggage = false;
  for (const auto& p : o.propagators) {
    tracecontext |= p == "tracecontext";
    baggage |= p == "baggage";
  }
  if (tracecontext && !o.env_traceparent.empty()) {
    if (auto tp = parse_traceparent(o.env_traceparent)) {
      c.trace_hi = tp->trace_hi;
      c.trace_lo = tp->trace_lo;
      c.span_id = tp->span_id;
      c.trace_flags = tp->flags;
      c.remote = true;
      c.trace_state = normalize_tracestate(o.env_tracestate);
    } else {
      AUTOSPAN_LOG(Warn, "TRACEPARENT='%s' is not a valid W3C traceparent; starting new traces",
                   o.env_traceparent.c_str());
    }
  }
  if (baggage && !o.env_baggage.empty())
    c.baggage = parse_baggage(o.env_baggage);
  return c;
}

void apply_hot_globals(const RuntimeConfig& c) {
  std::uint8_t exit_mode = 0;
  if (c.options.min_duration_mode == "latch")
    exit_mode |= kExitLatch;
  if (c.options.summary)
    exit_mode |= kExitSummary;
  if (!c.have_throw_hook)
    exit_mode |= kExitUncaught;
  g_hot.exit_mode.store(exit_mode, std::memory_order_relaxed);
  control_configure(c);  // AUTOSPAN_FILTER, AUTOSPAN_REQUIRE_PARENT
  control_refresh_hot(); // root_slow; the gate too once it is open (reconfiguration)
  TickConverter conv;
  g_hot.min_ticks.store(
      conv.ticks_for_ns(static_cast<std::uint64_t>(c.options.min_duration.count())),
      std::memory_order_relaxed);
}

LogLevel log_level_from(const std::string& s) {
  if (s == "error")
    return LogLevel::Error;
  if (s == "info")
    return LogLevel::Info;
  if (s == "debug")
    return LogLevel::Debug;
  return LogLevel::Warn;
}

RuntimeConfig* build_config(const Options& options) {
  auto* c = new RuntimeConfig();
  c->options = options;
  c->sampler = sampler_from_options(options, nullptr);
  c->env_context = env_context_from(options);
  std::string keys = options.baggage_attributes;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = keys.find(',', start);
    std::string k = keys.substr(start, comma - start);
    while (!k.empty() && k.front() == ' ')
      k.erase(0, 1);
    while (!k.empty() && k.back() == ' ')
      k.pop_back();
    if (k == "*")
      c->baggage_all = true;
    else if (!k.empty())
      c->baggage_attribute_keys.push_back(k);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  c->schedule_delay = options.bsp_schedule_delay;
  c->export_timeout = options.bsp_export_timeout;
  c->shutdown_timeout = c->export_timeout;
  if (std::find(options.traces_exporter.begin(), options.traces_exporter.end(), "otlp") !=
      options.traces_exporter.end()) {
    auto otlp = options.is_set(OptionId::otlp_traces_timeout) ? options.otlp_traces_timeout
                                                              : options.otlp_timeout;
    if (otlp.count() > 0)
      c->shutdown_timeout = std::min<std::chrono::nanoseconds>(c->shutdown_timeout, otlp);
  }
  c->max_queue = std::max<std::uint64_t>(1, options.bsp_max_queue_size);
  c->max_batch = std::max<std::uint64_t>(
      1, std::min(options.bsp_max_export_batch_size, options.bsp_max_queue_size));
  return c;
}

// One line on stderr, only when something was lost. Takes the pipeline lock: call only once
// the export thread is done with it (or gave up waiting, in which case the counts can't be had).
void report_drops(BatchWorker& w, const char* when) {
  DropCounts d;
  if (!w.try_drops(d)) {
    AUTOSPAN_LOG(Warn, "spans still being exported%s are lost (the count is unknown)", when);
    return;
  }
  if (d.total() == 0)
    return;
  AUTOSPAN_LOG(
      Warn,
      "dropped %llu span(s)%s: %llu buffer full, %llu export queue full, %llu export "
      "failed, %llu not sent by the exit deadline, %llu nested too deep",
      static_cast<unsigned long long>(d.total()), when,
      static_cast<unsigned long long>(d.buffer_full), static_cast<unsigned long long>(d.queue_full),
      static_cast<unsigned long long>(d.export_failed), static_cast<unsigned long long>(d.unsent),
      static_cast<unsigned long long>(d.stack_overflow));
}

void on_process_exit() {
  std::uint8_t gate = g_hot.gate.load(std::memory_order_acquire);
  if (gate != kGateFast && gate != kGateSlow)
    return;
  BusyScope busy;
  end_open_frames_at_exit();
  BatchWorker* w = worker();
  if (w == nullptr)
    return;
  const RuntimeConfig& c = config();
  bool done = w->shutdown(c.shutdown_timeout);
  // Calls made after this point (later atexit handlers, static destructors) are not traced: they
  // would sit in a buffer nobody drains.
  g_hot.gate.store(kGateDisabled, std::memory_order_release);
  if (!done)
    AUTOSPAN_LOG(
        Warn,
        "the final export did not finish within %lld ms (the smaller of "
        "OTEL_BSP_EXPORT_TIMEOUT and OTEL_EXPORTER_OTLP_TIMEOUT); the spans it was "
        "sending are lost",
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(c.shutdown_timeout).count()));
  report_drops(*w, "");
  if (c.options.summary && done)
    print_summary(stderr, *w);
}

std::terminate_handler g_previous_terminate = nullptr;

// std::terminate (an uncaught exception, a throw through noexcept, an explicit call) ends in
// abort(): no atexit handler runs. An uncaught exception is not unwound, so every frame of this
// thread is still open: they end here, with the exception when there is one, and the final
// flush runs (bounded like at exit) before the previous handler (libstdc++'s prints the
// exception) aborts. A program that installs its own handler later replaces this one.
[[noreturn]] void on_terminate() {
  std::uint8_t gate = g_hot.gate.load(std::memory_order_acquire);
  if ((gate == kGateFast || gate == kGateSlow) && !(t_tls.gate & kTlsBusy)) {
    BusyScope busy;
    ExceptionInfo info;
    bool have_exception = false;
    if (std::type_info* type = abi::__cxa_current_exception_type()) {
      void* object = nullptr;
#if defined(__GLIBCXX__)
      // libstdc++'s exception_ptr holds the thrown object's address as its only member.
      std::exception_ptr current = std::current_exception();
      static_assert(sizeof(current) == sizeof(void*), "libstdc++ exception_ptr layout");
      __builtin_memcpy(&object, &current, sizeof object);
#endif
      describe_exception(type, object, info);
      have_exception = true;
    }
    if (ThreadState* t = t_tls.state; t != nullptr && t_tls.depth > 0)
      end_frames_above(t, 0, now_ticks(), have_exception ? &info : nullptr);
    if (BatchWorker* w = worker()) {
      w->shutdown(config().shutdown_timeout);
      g_hot.gate.store(kGateDisabled, std::memory_order_release);
      report_drops(*w, " before std::terminate");
    }
  }
  if (g_previous_terminate != nullptr)
    g_previous_terminate();
  std::abort();
}

void on_fatal_signal(int sig) {
  // Async-signal-safe only: atomic stores and a futex wake. A second signal while the flush
  // runs finds the default action restored (SA_RESETHAND) and terminates at once.
  // Tracing stops at the signal: the program runs on only while the export thread flushes what
  // it recorded before, and spans it would start meanwhile could not be sent before it dies.
  g_hot.gate.store(kGateDisabled, std::memory_order_release);
  g_pending_signal.store(sig, std::memory_order_release);
  worker_wake();
}

// Only where the program left the default action: a program's own handler stays in charge.
void install_signal_handlers() {
  for (int sig : {SIGINT, SIGTERM}) {
    struct sigaction current {};
    if (sigaction(sig, nullptr, &current) != 0 || current.sa_handler != SIG_DFL ||
        (current.sa_flags & SA_SIGINFO))
      continue;
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigaction(sig, &sa, nullptr);
  }
}

void fork_prepare() {
  // Spans open in the forking thread are parents of whatever the child records: give them ids
  // now so both processes agree, and make sure the parent emits them.
  ThreadState* t = t_tls.state;
  const std::uint32_t top = t != nullptr ? live_top(t->stack, t_tls.depth) : kNoFrame;
  if (top != kNoFrame) {
    BusyScope busy;
    make_kept(t, top);
    t->stack[top].flags |= kFrameKeep;
  }
  registry_lock();
  sites_lock();
  trace_states_lock();
}

void fork_parent() {
  trace_states_unlock();
  sites_unlock();
  registry_unlock();
}

void fork_child() {
  trace_states_unlock();
  sites_unlock();
  registry_unlock();
  g_fork_generation.fetch_add(1, std::memory_order_relaxed);
  registry_after_fork_child();
  BatchWorker* old = worker();
  if (old == nullptr)
    return;
  BusyScope busy;
  const RuntimeConfig& c = config();
  // A fresh worker: the old one's locks, thread and exporters (sockets shared with the parent)
  // are unusable here. It is leaked on purpose.
  auto* w = new BatchWorker(build_resource(c.options),
                            InstrumentationScope{"autospan", AUTOSPAN_VERSION_STRING},
                            make_exporters(c.options));
  set_worker(w);
  request_worker_start();
}

void initialize() {
  std::vector<std::string> warnings;
  Options options = parse_options([](const char* name) { return std::getenv(name); }, &warnings);
  set_log_level(log_level_from(options.log_level));
  for (const auto& w : warnings)
    AUTOSPAN_LOG(Warn, "%s", w.c_str());
  if (options.sdk_disabled) {
    g_config.store(build_config(options), std::memory_order_release);
    g_hot.gate.store(kGateDisabled, std::memory_order_release);
    return;
  }
  clock_init();
  RuntimeConfig* c = build_config(options);
  c->have_throw_hook = exception_hook_active();
  g_config.store(c, std::memory_order_release);
  set_ring_capacity(c->max_queue);
  apply_hot_globals(*c);

  // Exporters first: their libraries' own atexit handlers (OpenSSL's cleanup, for one) must run
  // after ours, so ours is registered after they initialise.
  auto* w = new BatchWorker(build_resource(options),
                            InstrumentationScope{"autospan", AUTOSPAN_VERSION_STRING},
                            make_exporters(options));
  set_worker(w);
  w->start();
  std::atexit(on_process_exit);
  pthread_atfork(fork_prepare, fork_parent, fork_child);
  install_signal_handlers();
  g_previous_terminate = std::set_terminate(on_terminate);
  AUTOSPAN_LOG(Info, "started: clock %s, exporters '%s', min duration %lld ns%s",
               g_clock_uses_tsc ? "rdtsc" : "clock_gettime",
               options.traces_exporter.empty() ? "" : options.traces_exporter.front().c_str(),
               static_cast<long long>(options.min_duration.count()),
               c->have_throw_hook ? "" : ", exception types unknown (no __cxa_throw hook)");
  g_hot.gate.store(c->have_throw_hook && !control_needs_slow_gate() ? kGateFast : kGateSlow,
                   std::memory_order_release);
}

// Runs before main() for the shared library and for the static one when linked.
__attribute__((constructor)) void autospan_constructor() {
  ensure_initialized();
}

} // namespace

void reraise_default(int sig) noexcept {
  // Runs on the export thread once the final export is done.
  g_hot.gate.store(kGateDisabled, std::memory_order_release);
  if (BatchWorker* w = worker()) {
    char when[32];
    std::snprintf(when, sizeof when, " before signal %d", sig);
    report_drops(*w, when);
  }
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  kill(getpid(), sig);
}

const RuntimeConfig& config() noexcept {
  const RuntimeConfig* c = g_config.load(std::memory_order_acquire);
  return c ? *c : default_config();
}

std::uint64_t fork_generation() noexcept {
  return g_fork_generation.load(std::memory_order_relaxed);
}

void ensure_initialized() noexcept {
  if (g_init_state.load(std::memory_order_acquire) == 2)
    return;
  // Re-entry from inside initialisation (an instrumented function called by a library the
  // runtime uses) must not deadlock: it simply is not traced.
  if (t_tls.gate & kTlsBusy)
    return;
  BusyScope busy;
  std::lock_guard<std::mutex> lock(g_init_mutex);
  if (g_init_state.load(std::memory_order_relaxed) == 2)
    return;
  g_init_state.store(1, std::memory_order_relaxed);
  try {
    initialize();
  } catch (...) {
    g_hot.gate.store(kGateDisabled, std::memory_order_release);
  }
  g_init_state.store(2, std::memory_order_release);
}

void reconfigure_for_testing(const Options& options) {
  RuntimeConfig* c = build_config(options);
  c->have_throw_hook = config().have_throw_hook;
  // The old configuration stays alive (readers may hold it), reachable for leak checkers.
  static auto* retired = new std::vector<const RuntimeConfig*>();
  retired->push_back(g_config.exchange(c, std::memory_order_acq_rel));
  apply_hot_globals(*c);
  set_ring_capacity(c->max_queue);
}

void set_exporters_for_testing(std::vector<std::unique_ptr<SpanExporter>> exporters) {
  ensure_initialized();
  if (BatchWorker* w = worker())
    w->replace_exporters(std::move(exporters));
}

} // namespace autospan::internal
