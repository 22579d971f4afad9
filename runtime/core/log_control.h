// Setting the level of runtime/log.h (the rest of the runtime only reads it).
#pragma once

#include "../log.h"

namespace autospan::internal {
void set_log_level(LogLevel level) noexcept;
} // namespace autospan::internal
