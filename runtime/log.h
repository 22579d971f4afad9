// The runtime's own diagnostics (AUTOSPAN_LOG_LEVEL), on stderr, prefixed "autospan: ".
// Implemented in runtime/core. Never call from the hot path. Never pass secrets (header values).
#pragma once

namespace autospan::internal {

enum class LogLevel { Error = 0, Warn = 1, Info = 2, Debug = 3 };

bool log_enabled(LogLevel level) noexcept;
void log_message(LogLevel level, const char* format, ...) noexcept
    __attribute__((format(printf, 2, 3)));

} // namespace autospan::internal

#define AUTOSPAN_LOG(level, ...)                                                                   \
  do {                                                                                             \
    if (::autospan::internal::log_enabled(::autospan::internal::LogLevel::level))                  \
      ::autospan::internal::log_message(::autospan::internal::LogLevel::level, __VA_ARGS__);       \
  } while (0)
