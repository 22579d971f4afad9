#include "capture.h"

#include "core/batch_worker.h"
#include "core/runtime.h"
#include "core/runtime_internal.h"

#include <autospan/autospan.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace autospan_test {
namespace ai = autospan::internal;
namespace {

std::mutex g_mutex;
std::condition_variable g_cv;
std::vector<SpanData> g_spans;
ai::Resource g_resource;
bool g_hold = false;
int g_unavailable = 0; // export calls still to answer "retries exhausted"
int g_export_calls = 0;

class CaptureExporter : public ai::SpanExporter {
public:
  ai::ExportResult export_batch(const ai::ExportBatch& batch,
                                std::chrono::milliseconds) noexcept override {
    std::unique_lock<std::mutex> lock(g_mutex);
    g_cv.wait(lock, [] { return !g_hold; });
    ++g_export_calls;
    if (g_unavailable > 0) {
      --g_unavailable;
      return ai::ExportResult::RetryExhausted;
    }
    g_resource = *batch.resource;
    g_spans.insert(g_spans.end(), batch.spans, batch.spans + batch.count);
    return ai::ExportResult::Success;
  }
  const char* name() const noexcept override { return "capture"; }
};

} // namespace

void configure(const std::map<std::string, std::string>& env) {
  autospan::flush();
  ai::Options o = ai::parse_options(
      [&env](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      nullptr);
  ai::reconfigure_for_testing(o);
  std::vector<std::unique_ptr<ai::SpanExporter>> exporters;
  exporters.push_back(std::make_unique<CaptureExporter>());
  ai::set_exporters_for_testing(std::move(exporters));
  std::lock_guard<std::mutex> lock(g_mutex);
  g_spans.clear();
}

std::vector<SpanData> take_spans() {
  autospan::flush();
  std::lock_guard<std::mutex> lock(g_mutex);
  std::vector<SpanData> out;
  out.swap(g_spans);
  return out;
}

ai::Resource captured_resource() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_resource;
}

const SpanData* find_span(const std::vector<SpanData>& spans, const std::string& name) {
  for (const auto& s : spans)
    if (s.name == name)
      return &s;
  return nullptr;
}

std::size_t count_spans(const std::vector<SpanData>& spans, const std::string& name) {
  return static_cast<std::size_t>(
      std::count_if(spans.begin(), spans.end(), [&](const SpanData& s) { return s.name == name; }));
}

const ai::AttributeValue* find_attr(const SpanData& span, const std::string& key) {
  for (const auto& a : span.attributes)
    if (a.key == key)
      return &a.value;
  return nullptr;
}

std::string str_attr(const SpanData& span, const std::string& key) {
  const ai::AttributeValue* v = find_attr(span, key);
  if (v == nullptr)
    return "<missing>";
  if (const auto* s = std::get_if<std::string>(v))
    return *s;
  return "<not a string>";
}

bool is_root(const SpanData& span) {
  return std::all_of(span.parent_span_id.begin(), span.parent_span_id.end(),
                     [](std::uint8_t b) { return b == 0; });
}

void hold_exporter() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_hold = true;
}

void make_collector_unavailable(int export_calls) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_unavailable = export_calls;
  g_export_calls = 0;
}

int export_calls() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_export_calls;
}

void release_exporter() {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_hold = false;
  }
  g_cv.notify_all();
}

} // namespace autospan_test
