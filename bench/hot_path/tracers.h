#pragma once

#if defined(BENCH_XRAY)
#include <xray/xray_interface.h>

#include <cstdint>

namespace benchtracer {
void xray_empty(std::int32_t id, XRayEntryType type);
void xray_record(std::int32_t id, XRayEntryType type);
} // namespace benchtracer
#endif
