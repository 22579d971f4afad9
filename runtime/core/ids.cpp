#include "runtime.h"

#include <sys/random.h>

namespace autospan::internal {

void random_bytes(void* out, std::size_t n) noexcept {
  auto* p = static_cast<std::uint8_t*>(out);
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got <= 0)
      break;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
}

TraceId trace_id_from_words(std::uint64_t hi, std::uint64_t lo) noexcept {
  TraceId id{};
  for (std::size_t i = 0; i < 8; ++i) {
    id[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    id[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
  return id;
}

SpanId span_id_from_word(std::uint64_t v) noexcept {
  SpanId id{};
  for (int i = 0; i < 8; ++i)
    id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return id;
}

std::uint64_t word_from_span_id(const SpanId& id) noexcept {
  std::uint64_t v = 0;
  for (std::uint8_t b : id)
    v = (v << 8) | b;
  return v;
}

void words_from_trace_id(const TraceId& id, std::uint64_t& hi, std::uint64_t& lo) noexcept {
  hi = lo = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    hi = (hi << 8) | id[i];
    lo = (lo << 8) | id[8 + i];
  }
}

} // namespace autospan::internal
