// The command-line tool's in-memory form of one or more OTLP JSON lines files.
// Compact on purpose (a million spans must fit comfortably): strings are interned, attributes,
// events and links live in shared pools that spans index into, resources and scopes are
// deduplicated across the batches (lines) that repeat them.
#pragma once

#include "runtime/span_data.h"

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace autospan::cli {

using internal::SpanId;
using internal::TraceId;

class StringTable {
public:
  StringTable();
  std::uint32_t intern(std::string_view s);
  const std::string& get(std::uint32_t id) const { return storage_[id]; }
  std::size_t size() const { return storage_.size(); }

private:
  std::deque<std::string> storage_; // deque: references stay valid as the table grows
  std::unordered_map<std::string_view, std::uint32_t> index_;
};

enum class ValueKind : std::uint8_t {
  Bool,
  Int,
  Double,
  String,
  Json, // arrayValue, kvlistValue and bytesValue, kept as JSON text (bytes: base64 string)
};

struct AttrValue {
  ValueKind kind = ValueKind::String;
  union {
    bool b;
    std::int64_t i;
    double d;
    std::uint32_t s; // string table id (String and Json)
  };
  AttrValue() : s(0) {}
};

struct Attr {
  std::uint32_t key = 0;
  AttrValue value;
};

// A half-open range [begin, begin + count) in one of TraceData's pools.
struct Range {
  std::uint32_t begin = 0;
  std::uint32_t count = 0;
};

struct EventRec {
  std::uint32_t name = 0;
  std::uint64_t time = 0;
  Range attrs;
};

struct LinkRec {
  TraceId trace_id{};
  SpanId span_id{};
  Range attrs;
};

struct SpanRec {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_id{}; // zero: root
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint32_t name = 0;
  std::uint32_t resource = 0;
  std::uint32_t scope = 0;
  std::uint32_t status_message = 0;
  Range attrs;
  Range events;
  Range links;
  internal::SpanKind kind = internal::SpanKind::Internal;
  internal::StatusCode status = internal::StatusCode::Unset;

  std::uint64_t duration() const { return end > start ? end - start : 0; }
  bool is_error() const { return status == internal::StatusCode::Error; }
};

struct ScopeRec {
  std::uint32_t name = 0;
  std::uint32_t version = 0;
};

class TraceData {
public:
  StringTable strings;
  std::vector<Attr> attrs;
  std::vector<EventRec> events;
  std::vector<LinkRec> links;
  std::vector<Range> resources; // each: its attributes
  std::vector<ScopeRec> scopes;
  std::vector<SpanRec> spans;

  const std::string& str(std::uint32_t id) const { return strings.get(id); }
  // The value of attribute `key` among `range`, or nullptr.
  const AttrValue* find_attr(Range range, std::string_view key) const;
  // "service.name" of a resource, or "unknown_service".
  std::string service_name(std::uint32_t resource) const;
  std::uint32_t intern_resource(const std::vector<Attr>& attrs);
  std::uint32_t intern_scope(std::string_view name, std::string_view version);

private:
  std::unordered_map<std::string, std::uint32_t> resource_index_;
  std::unordered_map<std::string, std::uint32_t> scope_index_;
};

// A value as text for people: strings unquoted, doubles shortest round-trip.
std::string format_value(const TraceData& data, const AttrValue& value);
// A value as JSON (strings quoted). Ints beyond 2^53 become strings so JavaScript keeps them.
void append_value_json(std::string& out, const TraceData& data, const AttrValue& value,
                       bool html_safe = false);

std::string hex(const std::uint8_t* bytes, std::size_t n);
inline std::string hex(const TraceId& id) {
  return hex(id.data(), id.size());
}
inline std::string hex(const SpanId& id) {
  return hex(id.data(), id.size());
}
template <std::size_t N> bool is_zero(const std::array<std::uint8_t, N>& id) {
  for (auto b : id)
    if (b != 0)
      return false;
  return true;
}

// Parent/child structure over TraceData::spans, grouped by trace.
struct Forest {
  struct Trace {
    std::uint32_t first = 0; // into `order`
    std::uint32_t count = 0;
    std::uint64_t start = 0; // earliest span start
    std::uint64_t end = 0;   // latest span end
    std::uint32_t errors = 0;
    std::uint32_t root = 0; // span index of the earliest root (the trace's name)
  };
  std::vector<std::uint32_t> order;       // span indices: trace by trace, each by start time
  std::vector<std::int32_t> parent;       // per span: parent span index, -1 for roots
  std::vector<std::uint32_t> child_begin; // per span + 1: CSR offsets into `children`
  std::vector<std::uint32_t> children;    // each span's children by start time
  std::vector<Trace> traces;              // by start time

  std::uint32_t children_count(std::uint32_t span) const {
    return child_begin[span + 1] - child_begin[span];
  }
  const std::uint32_t* children_of(std::uint32_t span) const {
    return children.data() + child_begin[span];
  }
};

// A span whose parent is not in the data becomes a root (its parent_id still says it had one).
Forest build_forest(const TraceData& data);

// Time a span spent outside its children: its duration minus the union of its children's
// intervals clipped to it (children that run concurrently are not subtracted twice).
std::uint64_t self_time(const TraceData& data, const Forest& forest, std::uint32_t span);

// Durations for people: "850 ns", "12.3 µs", "4.56 ms", "1.23 s", three significant digits
// (the console tree renderer's units, so both read alike).
std::string format_duration(std::uint64_t ns);

} // namespace autospan::cli
