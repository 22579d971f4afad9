// The `console` exporter: prints each trace as a tree (tree_render.h) once it is complete.
//
// Spans arrive children first (a span is exported when it ends, and a parent ends after its
// children), spread over several batches. They wait here, grouped by trace, until a local root
// (a span with no parent, or a remote one) arrives; then the root's subtree is printed. Whatever
// is still waiting at flush or shutdown is printed as partial trees.
#include "exporters.h"
#include "tree_render.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace autospan::internal {
namespace {

// Bounded: past this many waiting spans, the oldest traces are printed as partial trees.
constexpr std::size_t kMaxPendingSpans = 100000;

std::uint64_t id_key(const SpanId& id) {
  std::uint64_t k = 0;
  for (std::uint8_t b : id)
    k = k << 8 | b;
  return k;
}

class ConsoleExporter final : public SpanExporter {
public:
  explicit ConsoleExporter(const ConsoleOptions& options) : options_(options) {
    render_.color = options.color;
  }

  ExportResult export_batch(const ExportBatch& batch, std::chrono::milliseconds) noexcept override {
    try {
      std::vector<std::pair<TraceId, SpanId>> roots;
      for (std::size_t i = 0; i < batch.count; ++i) {
        const SpanData& s = batch.spans[i];
        Pending& p = pending_[s.trace_id];
        if (p.spans.empty())
          p.arrival = next_arrival_++;
        p.spans.push_back(s);
        ++pending_count_;
        if (id_key(s.parent_span_id) == 0 || s.parent_is_remote)
          roots.emplace_back(s.trace_id, s.span_id);
      }
      std::string out;
      for (const auto& r : roots)
        print_subtree(r.first, r.second, out);
      while (pending_count_ > kMaxPendingSpans)
        print_oldest_trace(out);
      write(out);
      return ExportResult::Success;
    } catch (...) {
      return ExportResult::Failure;
    }
  }

  void force_flush(std::chrono::milliseconds) noexcept override {
    try {
      std::string out;
      while (!pending_.empty())
        print_oldest_trace(out);
      write(out);
    } catch (...) {
      pending_.clear();
      pending_count_ = 0;
    }
  }

  void shutdown(std::chrono::milliseconds timeout) noexcept override { force_flush(timeout); }
  const char* name() const noexcept override { return "console"; }

private:
  struct Pending {
    std::uint64_t arrival = 0;
    std::vector<SpanData> spans;
  };

  void append_rendered(const std::vector<const SpanData*>& spans, std::string& out) {
    if (!out.empty())
      out += '\n';
    out += render_tree(spans, render_);
  }

  // Prints the root and everything below it that has arrived, and forgets those spans.
  void print_subtree(const TraceId& trace, const SpanId& root, std::string& out) {
    auto it = pending_.find(trace);
    if (it == pending_.end())
      return;
    std::vector<SpanData>& spans = it->second.spans;
    std::unordered_multimap<std::uint64_t, std::size_t> children;
    std::size_t root_index = spans.size();
    for (std::size_t i = 0; i < spans.size(); ++i) {
      children.emplace(id_key(spans[i].parent_span_id), i);
      if (spans[i].span_id == root)
        root_index = i;
    }
    if (root_index == spans.size())
      return; // printed already (a duplicate root id)
    std::vector<char> take(spans.size(), 0);
    std::vector<std::size_t> stack{root_index};
    take[root_index] = 1;
    while (!stack.empty()) {
      std::size_t i = stack.back();
      stack.pop_back();
      auto range = children.equal_range(id_key(spans[i].span_id));
      for (auto c = range.first; c != range.second; ++c)
        if (!take[c->second]) {
          take[c->second] = 1;
          stack.push_back(c->second);
        }
    }
    std::vector<const SpanData*> subtree;
    for (std::size_t i = 0; i < spans.size(); ++i)
      if (take[i])
        subtree.push_back(&spans[i]);
    append_rendered(subtree, out);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < spans.size(); ++i)
      if (!take[i])
        spans[kept++] = std::move(spans[i]);
    pending_count_ -= spans.size() - kept;
    spans.resize(kept);
    if (spans.empty())
      pending_.erase(it);
  }

  void print_oldest_trace(std::string& out) {
    auto oldest =
        std::min_element(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) {
          return a.second.arrival < b.second.arrival;
        });
    if (oldest == pending_.end())
      return;
    std::vector<const SpanData*> spans;
    for (const SpanData& s : oldest->second.spans)
      spans.push_back(&s);
    append_rendered(spans, out);
    pending_count_ -= oldest->second.spans.size();
    pending_.erase(oldest);
  }

  void write(const std::string& out) noexcept {
    if (out.empty() || options_.stream == nullptr)
      return;
    std::fwrite(out.data(), 1, out.size(), options_.stream);
    std::fputc('\n', options_.stream);
    std::fflush(options_.stream);
  }

  ConsoleOptions options_;
  TreeRenderOptions render_;
  std::map<TraceId, Pending> pending_;
  std::size_t pending_count_ = 0;
  std::uint64_t next_arrival_ = 0;
};

} // namespace

std::unique_ptr<SpanExporter> make_console_exporter(const ConsoleOptions& options) {
  return std::make_unique<ConsoleExporter>(options);
}

} // namespace autospan::internal
