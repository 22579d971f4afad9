#include "../log.h"
#include "log_control.h"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace autospan::internal {
namespace {
std::atomic<int> g_log_level{static_cast<int>(LogLevel::Warn)};
} // namespace

void set_log_level(LogLevel level) noexcept {
  g_log_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool log_enabled(LogLevel level) noexcept {
  return static_cast<int>(level) <= g_log_level.load(std::memory_order_relaxed);
}

void log_message(LogLevel level, const char* format, ...) noexcept {
  static const char* const kNames[] = {"error", "warning", "info", "debug"};
  // One write(2)-sized line per message so that lines of concurrent threads do not interleave.
  char line[1024];
  int n = std::snprintf(line, sizeof line, "autospan: %s: ", kNames[static_cast<int>(level)]);
  va_list args;
  va_start(args, format);
  int m = std::vsnprintf(line + n, sizeof line - static_cast<std::size_t>(n) - 1, format, args);
  va_end(args);
  std::size_t len = static_cast<std::size_t>(n) +
                    (m < 0 ? 0
                           : std::min<std::size_t>(static_cast<std::size_t>(m),
                                                   sizeof line - static_cast<std::size_t>(n) - 2));
  line[len++] = '\n';
  std::fwrite(line, 1, len, stderr);
}

} // namespace autospan::internal
