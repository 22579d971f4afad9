#include "summary.h"

#include "batch_worker.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <string>

namespace autospan::internal {
namespace {

std::string human(double ns) {
  char buf[32];
  if (ns < 1e3)
    std::snprintf(buf, sizeof buf, "%.0fns", ns);
  else if (ns < 1e6)
    std::snprintf(buf, sizeof buf, "%.1fus", ns / 1e3);
  else if (ns < 1e9)
    std::snprintf(buf, sizeof buf, "%.1fms", ns / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.2fs", ns / 1e9);
  return buf;
}

double percentile(std::vector<float>& v, double p) {
  if (v.empty())
    return 0;
  std::size_t k = static_cast<std::size_t>(std::llround(p * static_cast<double>(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

} // namespace

void print_summary(std::FILE* out, BatchWorker& worker) {
  auto stats = worker.site_stats();
  std::sort(stats.begin(), stats.end(),
            [](const auto& a, const auto& b) { return a.second.total_ns > b.second.total_ns; });
  std::size_t width = 8;
  for (const auto& [id, s] : stats)
    if (const SiteInfo* site = site_info(id))
      width = std::max(width, std::min<std::size_t>(site->name.size(), 60));
  std::fprintf(out, "autospan summary (per function; times are wall clock)\n");
  std::fprintf(out, "%-*s %10s %10s %10s %10s %10s %10s %10s %10s\n", static_cast<int>(width),
               "function", "calls", "total", "self", "mean", "p50", "p99", "max", "filtered");
  for (auto& [id, s] : stats) {
    const SiteInfo* site = site_info(id);
    if (site == nullptr || s.calls == 0)
      continue;
    std::string name = site->name.size() > 60 ? site->name.substr(0, 57) + "..." : site->name;
    std::fprintf(out, "%-*s %10" PRIu64 " %10s %10s %10s %10s %10s %10s %10" PRIu64 "\n",
                 static_cast<int>(width), name.c_str(), s.calls, human(s.total_ns).c_str(),
                 human(s.self_ns).c_str(), human(s.total_ns / static_cast<double>(s.calls)).c_str(),
                 human(percentile(s.samples_ns, 0.5)).c_str(),
                 human(percentile(s.samples_ns, 0.99)).c_str(), human(s.max_ns).c_str(),
                 s.filtered);
  }
}

} // namespace autospan::internal
