#include "cli.h"

#include "chrome_trace.h"
#include "html_report.h"
#include "otlp_json.h"
#include "progress.h"
#include "summary.h"
#include "trace_model.h"
#include "tree_view.h"

#include "autospan/version.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace autospan::cli {

namespace {

constexpr const char* kUsage = R"(usage: autospan <command> [options] FILE...

See traces written by autospan's `file` exporter (OTLP JSON lines, one
ExportTraceServiceRequest per line, as the OpenTelemetry Collector's file
exporter writes them) without any backend. FILE "-" reads standard input;
several files are merged.

commands:
  tree      every trace as an indented tree with durations
  summary   a table per span name: calls, total, self, mean, p50, p99, max
  convert   --to chrome: Chrome trace-event JSON for Perfetto UI and
            chrome://tracing
  html      one self-contained HTML page: a waterfall timeline per trace

options (all commands):
  -o, --output FILE   write to FILE instead of standard output
  -k, --keep-going    skip malformed lines (reported as warnings)
      --progress WHEN  progress bar on stderr: auto (a terminal), always, never
  -h, --help          help for autospan or for one command
      --version       print the version

exit status:
  0  success
  1  an input could not be read or has a malformed line (reported as
     FILE:LINE[:COLUMN]: error: ...), or the output could not be written
  2  usage error
)";

constexpr const char* kTreeHelp = R"(usage: autospan tree [options] FILE...

Prints every trace as an indented tree: span name, duration, key attributes,
errors marked. Long runs of repeated siblings are collapsed.

options:
      --color WHEN    colour the output: auto (a terminal), always, never
  -o, --output FILE   write to FILE instead of standard output
  -k, --keep-going    skip malformed lines
)";

constexpr const char* kSummaryHelp = R"(usage: autospan summary [options] FILE...

One row per span name: calls, total time, self time (time not covered by
child spans), mean, p50, p99 (nearest rank), max, errors.

options:
      --sort KEY      total (default), self, calls, max or name
      --format FMT    table (default) or csv (times in nanoseconds)
  -o, --output FILE   write to FILE instead of standard output
  -k, --keep-going    skip malformed lines
)";

constexpr const char* kConvertHelp =
    R"(usage: autospan convert --to chrome [options] FILE... [-o trace.json]

Writes Chrome trace-event JSON: one complete ("X") event per span, a process
per service/resource, a thread per thread.id, attributes as args, span events
(exceptions) as instant events. Open it in https://ui.perfetto.dev or
chrome://tracing (both load it locally; nothing is uploaded).

options:
      --to FORMAT     chrome (the only format for now)
  -o, --output FILE   write to FILE instead of standard output
  -k, --keep-going    skip malformed lines
      --progress WHEN auto (a terminal), always, never
)";

constexpr const char* kHtmlHelp = R"(usage: autospan html [options] FILE... [-o report.html]

Writes one self-contained HTML file (no network access, no external files):
a trace list, a waterfall timeline per trace with zoom, span details
(attributes, events) on click, a name filter, errors highlighted.

options:
      --title TEXT    page title (default: the input file names)
  -o, --output FILE   write to FILE instead of standard output
  -k, --keep-going    skip malformed lines
      --progress WHEN auto (a terminal), always, never
)";

enum class When { Auto, Always, Never };

struct Args {
  std::string command;
  std::vector<std::string> files;
  std::string output;
  bool keep_going = false;
  When progress = When::Auto;
  When color = When::Auto;
  std::string to;
  std::string title;
  SummarySort sort = SummarySort::Total;
  std::string format = "table";
  bool help = false;
};

class UsageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

bool parse_when(std::string_view v, When& out) {
  if (v == "auto")
    out = When::Auto;
  else if (v == "always")
    out = When::Always;
  else if (v == "never")
    out = When::Never;
  else
    return false;
  return true;
}

Args parse_args(int argc, const char* const* argv) {
  Args a;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      a.help = true;
      continue;
    }
    if (arg == "--version") {
      a.command = "--version";
      return a;
    }
    if (!arg.empty() && arg[0] == '-')
      throw UsageError("unknown option '" + std::string(arg) + "' before the command");
    a.command = std::string(arg);
    ++i;
    break;
  }
  if (a.command.empty()) {
    if (a.help)
      return a;
    throw UsageError("no command given");
  }
  if (a.command != "tree" && a.command != "summary" && a.command != "convert" &&
      a.command != "html")
    throw UsageError("unknown command '" + a.command + "'");

  bool only_files = false;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (only_files || arg == "-" || arg.empty() || arg[0] != '-') {
      a.files.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      only_files = true;
      continue;
    }
    // "--name=value" or "--name value"; short options take the next argument.
    std::string name(arg);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos && name.rfind("--", 0) == 0) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    auto take = [&]() -> std::string {
      if (has_value)
        return value;
      if (i + 1 >= argc)
        throw UsageError("option '" + name + "' needs a value");
      return argv[++i];
    };
    auto flag = [&] {
      if (has_value)
        throw UsageError("option '" + name + "' takes no value");
    };
    if (name == "-h" || name == "--help") {
      flag();
      a.help = true;
    } else if (name == "-o" || name == "--output") {
      a.output = take();
    } else if (name == "-k" || name == "--keep-going") {
      flag();
      a.keep_going = true;
    } else if (name == "--progress") {
      std::string v = take();
      if (!parse_when(v, a.progress))
        throw UsageError("--progress must be auto, always or never, not '" + v + "'");
    } else if (name == "--color" && a.command == "tree") {
      std::string v = take();
      if (!parse_when(v, a.color))
        throw UsageError("--color must be auto, always or never, not '" + v + "'");
    } else if (name == "--to" && a.command == "convert") {
      a.to = take();
    } else if (name == "--title" && a.command == "html") {
      a.title = take();
    } else if (name == "--sort" && a.command == "summary") {
      std::string v = take();
      if (v == "total")
        a.sort = SummarySort::Total;
      else if (v == "self")
        a.sort = SummarySort::Self;
      else if (v == "calls")
        a.sort = SummarySort::Calls;
      else if (v == "max")
        a.sort = SummarySort::Max;
      else if (v == "name")
        a.sort = SummarySort::Name;
      else
        throw UsageError("--sort must be total, self, calls, max or name, not '" + v + "'");
    } else if (name == "--format" && a.command == "summary") {
      a.format = take();
      if (a.format != "table" && a.format != "csv")
        throw UsageError("--format must be table or csv, not '" + a.format + "'");
    } else {
      throw UsageError("unknown option '" + name + "' for '" + a.command + "'");
    }
  }
  if (a.help)
    return a;
  if (a.files.empty())
    throw UsageError("'" + a.command + "' needs at least one input FILE");
  if (a.command == "convert") {
    if (a.to.empty())
      throw UsageError("'convert' needs --to chrome");
    if (a.to != "chrome")
      throw UsageError("unknown --to format '" + a.to + "' (supported: chrome)");
  }
  return a;
}

const char* help_for(const std::string& command) {
  if (command == "tree")
    return kTreeHelp;
  if (command == "summary")
    return kSummaryHelp;
  if (command == "convert")
    return kConvertHelp;
  if (command == "html")
    return kHtmlHelp;
  return kUsage;
}

// Output goes to a temporary file renamed into place at the end, so a failed or interrupted
// run never leaves a half-written report where the last good one was.
class Output {
public:
  Output(const std::string& path, std::FILE* fallback) : path_(path) {
    if (path.empty() || path == "-") {
      f_ = fallback;
      return;
    }
    tmp_ = path + ".tmp" + std::to_string(::getpid());
    f_ = std::fopen(tmp_.c_str(), "wb");
  }
  ~Output() {
    if (!tmp_.empty() && f_ != nullptr) {
      std::fclose(f_);
      std::remove(tmp_.c_str());
    }
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  std::FILE* file() const { return f_; }
  bool is_terminal() const { return f_ != nullptr && ::isatty(fileno(f_)) != 0; }
  // Returns false (errno set) if anything failed.
  bool commit() {
    if (tmp_.empty())
      return std::fflush(f_) == 0 && std::ferror(f_) == 0;
    bool ok = std::ferror(f_) == 0;
    ok = std::fclose(f_) == 0 && ok;
    f_ = nullptr;
    if (ok && std::rename(tmp_.c_str(), path_.c_str()) != 0)
      ok = false;
    if (!ok)
      std::remove(tmp_.c_str());
    tmp_.clear();
    return ok;
  }

private:
  std::string path_;
  std::string tmp_;
  std::FILE* f_ = nullptr;
};

bool want(When when, std::FILE* stream) {
  if (when == When::Always)
    return true;
  if (when == When::Never)
    return false;
  return ::isatty(fileno(stream)) != 0;
}

int run_command(const Args& a, std::FILE* out, std::FILE* err) {
  // Only long-running commands get a bar; tree and summary finish before anyone would look.
  const bool long_running = a.command == "convert" || a.command == "html";
  Progress progress(long_running && want(a.progress, err), err);

  TraceData data;
  LoadOptions load;
  load.keep_going = a.keep_going;
  load.progress = &progress;
  bool ok = true;
  std::size_t malformed_lines = 0;
  for (const auto& file : a.files) {
    LoadStats stats;
    ok = load_file(file, data, load, err, &stats) && ok;
    malformed_lines += stats.skipped_lines;
  }
  if (!ok) {
    std::fprintf(err, "autospan: error: %s, nothing written%s\n",
                 malformed_lines != 0 ? "malformed input" : "unreadable input",
                 malformed_lines != 0 && !a.keep_going ? " (--keep-going skips malformed lines)"
                                                       : "");
    return kExitInputError;
  }
  const Forest forest = build_forest(data);

  Output output(a.output, out);
  if (output.file() == nullptr) {
    std::fprintf(err, "autospan: error: cannot write %s: %s\n", a.output.c_str(),
                 std::strerror(errno));
    return kExitInputError;
  }
  bool written = true;
  if (a.command == "summary") {
    auto rows = summarize(data, forest, a.sort);
    std::string text = a.format == "csv"
                           ? format_summary_csv(rows)
                           : format_summary_table(rows, forest.traces.size(), data.spans.size());
    written = std::fwrite(text.data(), 1, text.size(), output.file()) == text.size();
  } else if (a.command == "convert") {
    written = write_chrome_trace(data, output.file(), &progress);
  } else if (a.command == "html") {
    HtmlOptions options;
    options.title = a.title;
    if (options.title.empty()) {
      for (const auto& f : a.files) {
        std::string base = f == "-" ? "stdin" : f.substr(f.find_last_of('/') + 1);
        options.title += (options.title.empty() ? "" : ", ") + base;
      }
    }
    written = write_html_report(data, forest, output.file(), options, &progress);
  } else if (a.command == "tree") {
    // https://no-color.org: a set NO_COLOR disables automatic colour, not an explicit request.
    const char* no_color = std::getenv("NO_COLOR");
    bool color = a.color == When::Auto && no_color != nullptr && *no_color != '\0'
                     ? false
                     : want(a.color, output.file());
    std::string error;
    if (!write_trees(data, forest, output.file(), color, error)) {
      std::fprintf(err, "autospan: error: %s\n", error.c_str());
      return kExitInputError;
    }
  }
  if (!written || !output.commit()) {
    std::fprintf(err, "autospan: error: cannot write %s: %s\n",
                 a.output.empty() ? "standard output" : a.output.c_str(), std::strerror(errno));
    return kExitInputError;
  }
  return kExitOk;
}

} // namespace

int run(int argc, const char* const* argv, std::FILE* out, std::FILE* err) {
  Args args;
  try {
    args = parse_args(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(err, "autospan: error: %s\nTry 'autospan --help'.\n", e.what());
    return kExitUsage;
  }
  if (args.command == "--version") {
    std::fprintf(out, "autospan %s\n", AUTOSPAN_VERSION_STRING);
    return kExitOk;
  }
  if (args.help) {
    std::fputs(help_for(args.command), out);
    return kExitOk;
  }
  try {
    return run_command(args, out, err);
  } catch (const std::bad_alloc&) {
    std::fprintf(err, "autospan: error: out of memory\n");
    return kExitInputError;
  }
}

} // namespace autospan::cli
