// W3C Trace Context (traceparent, tracestate) and W3C Baggage: parsing and serialising.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autospan::internal {

struct TraceParent {
  std::uint64_t trace_hi = 0, trace_lo = 0;
  std::uint64_t span_id = 0;
  std::uint8_t flags = 0;
};

// Accepts version 00 exactly and later versions by their 00 prefix (the spec's forward rule).
// Rejects version ff, uppercase hex, all-zero ids.
std::optional<TraceParent> parse_traceparent(std::string_view text);
std::string format_traceparent(const TraceParent& tp);

// Returns the tracestate with surrounding whitespace and empty members removed, or "" when it is
// invalid (the spec: discard the whole header) or has more than 32 members.
std::string normalize_tracestate(std::string_view text);

using BaggageEntries = std::vector<std::pair<std::string, std::string>>;
// Parses a baggage header (values percent-decoded; member properties dropped). Invalid members
// are skipped. Later duplicates win.
BaggageEntries parse_baggage(std::string_view text);
// Serialises baggage (values percent-encoded), within the spec's limits (180 members, 8192 bytes).
std::string format_baggage(const BaggageEntries& entries);

} // namespace autospan::internal
