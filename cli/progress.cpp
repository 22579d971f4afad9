#include "progress.h"

#include <cinttypes>
#include <utility>

namespace autospan::cli {

void Progress::begin(std::string label, std::uint64_t total, bool bytes) {
  if (!enabled_)
    return;
  label_ = std::move(label);
  total_ = total;
  bytes_ = bytes;
  last_ = {};
  draw(0);
}

void Progress::update(std::uint64_t done) {
  if (!enabled_)
    return;
  auto now = std::chrono::steady_clock::now();
  // Throttled, except that the end of a known total is always shown.
  const bool complete = total_ != 0 && done >= total_;
  if (drawn_ && now - last_ < std::chrono::milliseconds(100) && !complete)
    return;
  draw(done);
}

void Progress::draw(std::uint64_t done) {
  last_ = std::chrono::steady_clock::now();
  drawn_ = true;
  constexpr int kWidth = 30;
  const double scale = bytes_ ? 1024.0 * 1024.0 : 1.0;
  const char* unit = bytes_ ? " MiB" : "";
  const int decimals = bytes_ ? 1 : 0;
  const double shown = static_cast<double>(done) / scale;
  if (total_ == 0) {
    std::fprintf(out_, "\r%s %.*f%s\x1b[K", label_.c_str(), decimals, shown, unit);
  } else {
    double frac = done >= total_ ? 1.0 : static_cast<double>(done) / static_cast<double>(total_);
    int filled = static_cast<int>(frac * kWidth);
    char bar[kWidth + 1];
    for (int i = 0; i < kWidth; ++i)
      bar[i] = i < filled ? '#' : '-';
    bar[kWidth] = '\0';
    std::fprintf(out_, "\r%s [%s] %3d%% %.*f/%.*f%s\x1b[K", label_.c_str(), bar,
                 static_cast<int>(frac * 100), decimals, shown, decimals,
                 static_cast<double>(total_) / scale, unit);
  }
  std::fflush(out_);
}

void Progress::finish() {
  if (!enabled_ || !drawn_)
    return;
  std::fputs("\r\x1b[K", out_);
  std::fflush(out_);
  drawn_ = false;
}

} // namespace autospan::cli
