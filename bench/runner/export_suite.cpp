// Kept spans exported over OTLP http/protobuf to a receiver that keeps up (autospan_bench_sink,
// its own process): total CPU per span (application + export thread), spans/s, drops, peak RSS.
#include "bench_paths.h"
#include "suites.h"
#include "table.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace autospan_bench {
namespace {

struct ExportRun {
  double spans = -1;    // produced in the measured part
  double warmup = 0;    // produced before it (also exported)
  double received = -1; // counted by the sink
  long dropped = 0;     // reported by the runtime at exit
  double process_cpu_ns = -1;
  double producer_cpu_ns = -1;
  double produce_rate = -1; // spans per second while producing
  double export_rate = -1;  // spans exported per second until flush() returned
  long maxrss_kb = 0;
  bool flushed = false;
};

ExportRun export_once(Context& ctx, const std::string& variant, long calls, long rate,
                      const Env& extra, const std::string& label) {
  ExportRun run;
  LiveProcess sink({kSinkPath}, {});
  std::string line = sink.read_line();
  if (line.rfind("port=", 0) != 0) {
    ctx.fail(label + ": the sink did not start (" + line + ")");
    return run;
  }
  std::string endpoint = "http://127.0.0.1:" + line.substr(5) + "/v1/traces";
  Env env = {{"OTEL_SERVICE_NAME", "autospan-bench"},
             {"OTEL_TRACES_EXPORTER", "otlp"},
             {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"},
             {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint}};
  for (const auto& kv : extra)
    env[kv.first] = kv.second;
  ProcessResult r =
      run_checked(ctx, label,
                  {ctx.variants.at(variant), "--mode=export", "--n=" + std::to_string(calls),
                   "--rate=" + std::to_string(rate), "--burst=1000"},
                  env);
  auto sink_kv = parse_key_values(sink.finish());
  if (r.exit_code != 0)
    return run;
  auto kv = parse_key_values(r.out);
  run.spans = number(kv, "spans");
  run.warmup = number(kv, "warmup_spans", 0);
  run.received = number(sink_kv, "spans");
  run.dropped = dropped_from_stderr(r.err);
  run.flushed = number(kv, "flush_ok", 0) == 1;
  run.process_cpu_ns = number(kv, "process_cpu_ns");
  run.producer_cpu_ns = number(kv, "thread_cpu_ns");
  double produce = number(kv, "produce_s"), total = number(kv, "total_s");
  run.maxrss_kb = static_cast<long>(number(kv, "maxrss_kb", 0));
  if (run.spans <= 0 || run.process_cpu_ns < 0 || produce <= 0 || total <= 0) {
    ctx.fail(label + ": incomplete output");
    return run;
  }
  run.produce_rate = run.spans / produce;
  run.export_rate = (run.spans - static_cast<double>(run.dropped)) / total;
  if (variant != "none") {
    // Every span the runtime did not report dropped must have arrived: a silent loss is a bug,
    // whatever the timings.
    double expected = run.warmup + run.spans - static_cast<double>(run.dropped);
    if (run.received != expected)
      ctx.fail(label + ": the sink received " + fmt_count(run.received) + " spans, expected " +
               fmt_count(expected) + " (produced " + fmt_count(run.warmup + run.spans) +
               ", reported dropped " + fmt_count(static_cast<double>(run.dropped)) + ")");
    if (!run.flushed)
      ctx.fail(label + ": autospan::flush() timed out");
  }
  return run;
}

// Median over processes of each figure (drops and RSS: the worst).
ExportRun export_median(Context& ctx, const std::string& variant, long calls, long rate,
                        const Env& extra, const std::string& label, int processes) {
  std::vector<ExportRun> runs;
  for (int p = 0; p < processes; ++p) {
    ctx.progress("export: " + label);
    ExportRun r = export_once(ctx, variant, calls, rate, extra, label);
    if (r.spans > 0)
      runs.push_back(r);
  }
  ExportRun m;
  if (runs.empty())
    return m;
  auto med = [&](double ExportRun::*field) {
    std::vector<double> v;
    for (const auto& r : runs)
      v.push_back(r.*field);
    return median(v);
  };
  m.spans = med(&ExportRun::spans);
  m.received = med(&ExportRun::received);
  m.process_cpu_ns = med(&ExportRun::process_cpu_ns);
  m.producer_cpu_ns = med(&ExportRun::producer_cpu_ns);
  m.produce_rate = med(&ExportRun::produce_rate);
  m.export_rate = med(&ExportRun::export_rate);
  m.flushed = true;
  for (const auto& r : runs) {
    m.dropped = std::max(m.dropped, r.dropped);
    m.maxrss_kb = std::max(m.maxrss_kb, r.maxrss_kb);
    m.flushed = m.flushed && r.flushed;
  }
  return m;
}

} // namespace

void run_export_suite(Context& ctx) {
  const Sizes& z = ctx.sizes;
  if (!ctx.has("plugin")) {
    ctx.section("Export over OTLP http/protobuf", "No plugin build: skipped.\n");
    return;
  }
  struct Row {
    std::string label;
    long rate;
    Env env;
  };
  std::vector<Row> rows = {{"offered 1M spans/s", 1000000, {}},
                           // Any value length limit sends every span through SpanData (the
                           // general path; nothing here is long enough to be cut).
                           {"offered 1M spans/s, SpanData path (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT)",
                            1000000,
                            {{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "4096"}}},
                           {"offered 1M spans/s, OTEL_BSP_MAX_QUEUE_SIZE=65536",
                            1000000,
                            {{"OTEL_BSP_MAX_QUEUE_SIZE", "65536"}}},
                           // Fewer, larger requests: what the export side's per-request cost
                           // (libcurl, the response's poll and wake-ups) is per span.
                           {"offered 1M spans/s, OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2048",
                            1000000,
                            {{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "2048"}}},
                           // The baseline of the own HTTP/1.1 client, in the same run.
                           {"offered 1M spans/s, AUTOSPAN_OTLP_HTTP_CLIENT=libcurl",
                            1000000,
                            {{"AUTOSPAN_OTLP_HTTP_CLIENT", "libcurl"}}},
                           {"offered 250k spans/s", 250000, {}},
                           {"unpaced (as fast as the producer can)", 0, {}}};
  Table t({"plugin, one producer", "spans", "dropped", "total CPU ns/span", "producer ns/span",
           "export thread ns/span", "produced spans/s", "exported spans/s", "peak RSS MB"});
  ExportRun at_1m, none_1m;
  double net_1m = -1;
  std::map<long, ExportRun> none_at;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    long calls = row.rate > 0 ? static_cast<long>(static_cast<double>(row.rate) * z.export_seconds)
                              : z.flat_calls;
    if (!none_at.count(row.rate))
      none_at[row.rate] =
          export_median(ctx, "none", calls, row.rate, {},
                        "uninstrumented reference, rate " + std::to_string(row.rate), 1);
    const ExportRun& none = none_at[row.rate];
    ExportRun r =
        export_median(ctx, "plugin", calls, row.rate, row.env, row.label, z.export_processes);
    // autospan's share: the same loop, paced the same way, uninstrumented, costs this much.
    double exported = r.spans - static_cast<double>(r.dropped);
    double total = r.process_cpu_ns >= 0 && none.process_cpu_ns >= 0 && exported > 0
                       ? (r.process_cpu_ns - none.process_cpu_ns) / exported
                       : -1;
    double producer = r.producer_cpu_ns >= 0 && none.producer_cpu_ns >= 0 && r.spans > 0
                          ? (r.producer_cpu_ns - none.producer_cpu_ns) / r.spans
                          : -1;
    double exporter = r.process_cpu_ns >= 0 && exported > 0
                          ? (r.process_cpu_ns - r.producer_cpu_ns) / exported
                          : -1;
    if (i == 0) {
      at_1m = r;
      none_1m = none;
      net_1m = total;
    }
    t.add({row.label, fmt_count(r.spans), fmt_count(static_cast<double>(r.dropped)), fmt(total, 1),
           fmt(producer, 1), fmt(exporter, 1), fmt_count(r.produce_rate), fmt_count(r.export_rate),
           fmt(static_cast<double>(r.maxrss_kb) / 1024.0, 1)});
  }
  t.add({"uninstrumented, the same loop at 1M calls/s", "", "", "", "", "",
         fmt_count(none_1m.produce_rate), "",
         fmt(static_cast<double>(none_1m.maxrss_kb) / 1024.0, 1)});

  std::string notes =
      "\nThe producer emits bursts of a millisecond's worth of calls of benchapp::tiny (plus "
      "their parent span) and sleeps until the next millisecond, for " +
      fmt(z.export_seconds, 2) +
      " s; default sizes unless stated (OTEL_BSP_MAX_QUEUE_SIZE=2048, which is also the "
      "starting size of each thread's ring, grown up to 8x under pressure; "
      "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=512), no compression. \"total CPU\" is "
      "the process CPU time (producer + export thread, from the first measured span until "
      "autospan::flush() returned; the export thread and its sender thread) minus that of the "
      "uninstrumented binary running the same "
      "paced loop, divided by the spans that were exported (dropped spans cost producer time "
      "but no export time, so drops make this figure pessimistic). \"producer\" is the "
      "producer thread's CPU over the uninstrumented loop's, per span produced; \"export "
      "thread\" is the rest of the process CPU per span exported. The receiver's CPU is not "
      "included (it is the collector's). \"dropped\" is the runtime's own report on stderr; "
      "the receiver counted every other span (checked). Auto spans are encoded straight from "
      "the ring records into protobuf when every exporter takes protobuf; the \"SpanData path\" "
      "row forces the general path (a SpanData per span, encoded by the exporter), as every "
      "span took before.\n";

  std::string breakdown;
  if (kExportBenchPath[0] != '\0' && !ctx.smoke) {
    ctx.progress("export: encoder micro-benchmark");
    ProcessResult r = run_checked(ctx, "autospan_export_bench", {kExportBenchPath}, {});
    if (r.exit_code == 0)
      breakdown = "\nThe exporter alone (autospan_export_bench: pre-built spans, export thread "
                  "CPU only):\n\n```\n" +
                  r.out + "```\n";
  }
  // Peak RSS by configuration: libcurl (and its TLS stack) is loaded on the first OTLP export
  // only, so a disabled or non-OTLP program does not map it.
  std::string rss;
  {
    struct RssRow {
      std::string label, variant;
      Env env;
    };
    std::vector<RssRow> rss_rows = {
        {"uninstrumented", "none", {}},
        {"plugin, OTEL_SDK_DISABLED=true", "plugin", {{"OTEL_SDK_DISABLED", "true"}}},
        {"plugin, OTEL_TRACES_EXPORTER=none", "plugin", {{"OTEL_TRACES_EXPORTER", "none"}}},
    };
    Table rt({"configuration (200k tiny calls)", "peak RSS MB"});
    for (const auto& row : rss_rows) {
      ctx.progress("export: peak RSS, " + row.label);
      Env env = row.env;
      env["OTEL_BSP_MAX_QUEUE_SIZE"] = "2048";
      ProcessResult r =
          run_checked(ctx, "rss: " + row.label,
                      {ctx.variants.at(row.variant), "--mode=calls", "--n=200000"}, env);
      if (r.exit_code == 0)
        rt.add({row.label, fmt(static_cast<double>(r.maxrss_kb) / 1024.0, 1)});
    }
    rt.add({"plugin, OTLP export at 1M spans/s (first row above)",
            fmt(static_cast<double>(at_1m.maxrss_kb) / 1024.0, 1)});
    rss = "\n" + rt.render() +
          "\nThe process's peak resident set (getrusage). libcurl and its TLS stack are loaded "
          "(dlopen) on the first OTLP export, so only the last row maps them.\n";
  }
  ctx.section("Export over OTLP http/protobuf to a receiver that keeps up",
              t.render() + notes + breakdown + rss);

  if (at_1m.spans > 0) {
    ctx.targets.push_back({"total CPU per exported span (app + export thread)", "<= 150 ns",
                           fmt(net_1m, 1) + " ns",
                           net_1m >= 0 && net_1m <= 150 ? "met" : "NOT met"});
    bool ok = at_1m.dropped == 0 && at_1m.produce_rate >= 0.99e6;
    ctx.targets.push_back({"one producer at >= 1M spans/s, zero drops (default sizes)",
                           ">= 1M/s, 0 dropped",
                           fmt_count(at_1m.produce_rate) + "/s offered, " +
                               fmt_count(static_cast<double>(at_1m.dropped)) + " of " +
                               fmt_count(at_1m.spans) + " dropped",
                           ok ? "met" : "NOT met"});
    if (none_1m.maxrss_kb > 0)
      ctx.targets.push_back(
          {"peak RSS over uninstrumented", "report",
           "+" + fmt(static_cast<double>(at_1m.maxrss_kb - none_1m.maxrss_kb) / 1024.0, 1) +
               " MB (" + fmt(static_cast<double>(none_1m.maxrss_kb) / 1024.0, 1) + " -> " +
               fmt(static_cast<double>(at_1m.maxrss_kb) / 1024.0, 1) + " MB)",
           "n/a"});
  }
}

} // namespace autospan_bench
