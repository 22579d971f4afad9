// The finished-span model handed from the runtime core (runtime/core) to exporters
// (runtime/export). Built on the export thread only; never on the application's hot path.
// Mirrors the OTLP data model closely enough that encoders are straight field copies.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace autospan::internal {

using TraceId = std::array<std::uint8_t, 16>; // all zero = invalid
using SpanId = std::array<std::uint8_t, 8>;   // all zero = invalid / no parent

// OTLP AnyValue subset that spans use. Arrays are homogeneous in the OpenTelemetry API.
using AttributeValue =
    std::variant<bool, std::int64_t, double, std::string, std::vector<bool>,
                 std::vector<std::int64_t>, std::vector<double>, std::vector<std::string>>;

struct Attribute {
  std::string key;
  AttributeValue value;
};

struct Event {
  std::string name;
  std::uint64_t time_unix_nano = 0;
  std::vector<Attribute> attributes;
};

struct Link {
  TraceId trace_id{};
  SpanId span_id{};
  std::string trace_state;
  std::vector<Attribute> attributes;
};

// Values match OTLP's Span.SpanKind.
enum class SpanKind : std::uint8_t {
  Unspecified = 0,
  Internal = 1,
  Server = 2,
  Client = 3,
  Producer = 4,
  Consumer = 5
};
// Values match OTLP's Status.StatusCode.
enum class StatusCode : std::uint8_t { Unset = 0, Ok = 1, Error = 2 };

struct SpanData {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{}; // zero: root span
  bool parent_is_remote = false;
  std::uint32_t trace_flags = 1; // W3C trace-flags (bit 0: sampled)
  std::string trace_state;
  std::string name;
  SpanKind kind = SpanKind::Internal;
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;
  std::vector<Attribute> attributes;
  std::uint32_t dropped_attributes_count = 0;
  std::vector<Event> events;
  std::uint32_t dropped_events_count = 0;
  std::vector<Link> links;
  std::uint32_t dropped_links_count = 0;
  StatusCode status = StatusCode::Unset;
  std::string status_message;
};

struct Resource {
  std::vector<Attribute> attributes;
};

struct InstrumentationScope {
  std::string name;    // "autospan"
  std::string version; // AUTOSPAN_VERSION_STRING
};

// Lowercase hex helpers shared by encoders, propagators and the console.
std::string to_hex(const std::uint8_t* bytes, std::size_t n);
inline std::string to_hex(const TraceId& id) {
  return to_hex(id.data(), id.size());
}
inline std::string to_hex(const SpanId& id) {
  return to_hex(id.data(), id.size());
}

} // namespace autospan::internal
