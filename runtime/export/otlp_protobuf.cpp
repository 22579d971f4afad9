#include "otlp_protobuf.h"

#include <string>
#include <variant>
#include <vector>

namespace autospan::internal {
namespace {

// Field numbers from opentelemetry-proto (common/v1, resource/v1, trace/v1, collector/trace/v1).
namespace f {
constexpr std::uint32_t kRequestResourceSpans = 1;
constexpr std::uint32_t kResourceSpansResource = 1, kResourceSpansScopeSpans = 2;
constexpr std::uint32_t kResourceAttributes = 1;
constexpr std::uint32_t kScopeSpansScope = 1, kScopeSpansSpans = 2;
constexpr std::uint32_t kScopeName = 1, kScopeVersion = 2;
constexpr std::uint32_t kSpanTraceId = 1, kSpanSpanId = 2, kSpanTraceState = 3,
                        kSpanParentSpanId = 4, kSpanName = 5, kSpanKind = 6, kSpanStart = 7,
                        kSpanEnd = 8, kSpanAttributes = 9, kSpanDroppedAttributes = 10,
                        kSpanEvents = 11, kSpanDroppedEvents = 12, kSpanLinks = 13,
                        kSpanDroppedLinks = 14, kSpanStatus = 15, kSpanFlags = 16;
constexpr std::uint32_t kEventTime = 1, kEventName = 2, kEventAttributes = 3;
constexpr std::uint32_t kLinkTraceId = 1, kLinkSpanId = 2, kLinkTraceState = 3, kLinkAttributes = 4;
constexpr std::uint32_t kStatusMessage = 2, kStatusCode = 3;
constexpr std::uint32_t kKeyValueKey = 1, kKeyValueValue = 2;
constexpr std::uint32_t kAnyString = 1, kAnyBool = 2, kAnyInt = 3, kAnyDouble = 4, kAnyArray = 5;
constexpr std::uint32_t kArrayValues = 1;
constexpr std::uint32_t kResponsePartialSuccess = 1;
constexpr std::uint32_t kPartialRejectedSpans = 1, kPartialErrorMessage = 2;
} // namespace f

// W3C trace flags in bits 0-7; bit 8 says bit 9 is meaningful; bit 9: the parent is remote.
constexpr std::uint32_t kFlagHasIsRemote = 0x100;
constexpr std::uint32_t kFlagIsRemote = 0x200;

// AnyValue is a oneof: a member is written even when it holds its default (false, 0, "").
void write_scalar(ProtoWriter& w, bool v) {
  w.varint_field(f::kAnyBool, v ? 1 : 0);
}
void write_scalar(ProtoWriter& w, std::int64_t v) {
  w.varint_field(f::kAnyInt, static_cast<std::uint64_t>(v));
}
void write_scalar(ProtoWriter& w, double v) {
  w.double_field(f::kAnyDouble, v);
}
void write_scalar(ProtoWriter& w, const std::string& v) {
  w.string_field(f::kAnyString, v);
}

template <class T> void write_array(ProtoWriter& w, const std::vector<T>& values) {
  std::size_t array_mark = w.mark();
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    std::size_t m = w.mark();
    write_scalar(w, static_cast<T>(*it)); // vector<bool>'s proxy converts to bool
    w.end_message(f::kArrayValues, m);
  }
  w.end_message(f::kAnyArray, array_mark);
}

void write_any_value(ProtoWriter& w, std::uint32_t field, const AttributeValue& value) {
  std::size_t m = w.mark();
  switch (value.index()) {
  case 0:
    write_scalar(w, *std::get_if<bool>(&value));
    break;
  case 1:
    write_scalar(w, *std::get_if<std::int64_t>(&value));
    break;
  case 2:
    write_scalar(w, *std::get_if<double>(&value));
    break;
  case 3:
    write_scalar(w, *std::get_if<std::string>(&value));
    break;
  case 4:
    write_array(w, *std::get_if<std::vector<bool>>(&value));
    break;
  case 5:
    write_array(w, *std::get_if<std::vector<std::int64_t>>(&value));
    break;
  case 6:
    write_array(w, *std::get_if<std::vector<double>>(&value));
    break;
  case 7:
    write_array(w, *std::get_if<std::vector<std::string>>(&value));
    break;
  default: // valueless_by_exception: an empty AnyValue
    break;
  }
  w.end_message(field, m);
}

void write_attributes(ProtoWriter& w, std::uint32_t field, const std::vector<Attribute>& attrs) {
  for (auto it = attrs.rbegin(); it != attrs.rend(); ++it) {
    std::size_t m = w.mark();
    write_any_value(w, f::kKeyValueValue, it->value);
    w.string_field(f::kKeyValueKey, it->key);
    w.end_message(field, m);
  }
}

template <std::size_t N> bool all_zero(const std::array<std::uint8_t, N>& id) {
  for (std::uint8_t b : id)
    if (b != 0)
      return false;
  return true;
}

void write_event(ProtoWriter& w, const Event& e) {
  std::size_t m = w.mark();
  write_attributes(w, f::kEventAttributes, e.attributes);
  w.string_field(f::kEventName, e.name);
  w.fixed64_field(f::kEventTime, e.time_unix_nano);
  w.end_message(f::kSpanEvents, m);
}

void write_link(ProtoWriter& w, const Link& l) {
  std::size_t m = w.mark();
  write_attributes(w, f::kLinkAttributes, l.attributes);
  if (!l.trace_state.empty())
    w.string_field(f::kLinkTraceState, l.trace_state);
  w.bytes_field(f::kLinkSpanId, l.span_id.data(), l.span_id.size());
  w.bytes_field(f::kLinkTraceId, l.trace_id.data(), l.trace_id.size());
  w.end_message(f::kSpanLinks, m);
}

void write_span(ProtoWriter& w, const SpanData& s) {
  std::size_t m = w.mark();
  std::uint32_t flags =
      (s.trace_flags & 0xffu) | kFlagHasIsRemote | (s.parent_is_remote ? kFlagIsRemote : 0u);
  w.fixed32_field(f::kSpanFlags, flags);
  if (s.status != StatusCode::Unset || !s.status_message.empty()) {
    std::size_t sm = w.mark();
    if (s.status != StatusCode::Unset)
      w.varint_field(f::kStatusCode, static_cast<std::uint64_t>(s.status));
    if (!s.status_message.empty())
      w.string_field(f::kStatusMessage, s.status_message);
    w.end_message(f::kSpanStatus, sm);
  }
  if (s.dropped_links_count != 0)
    w.varint_field(f::kSpanDroppedLinks, s.dropped_links_count);
  for (auto it = s.links.rbegin(); it != s.links.rend(); ++it)
    write_link(w, *it);
  if (s.dropped_events_count != 0)
    w.varint_field(f::kSpanDroppedEvents, s.dropped_events_count);
  for (auto it = s.events.rbegin(); it != s.events.rend(); ++it)
    write_event(w, *it);
  if (s.dropped_attributes_count != 0)
    w.varint_field(f::kSpanDroppedAttributes, s.dropped_attributes_count);
  write_attributes(w, f::kSpanAttributes, s.attributes);
  w.fixed64_field(f::kSpanEnd, s.end_unix_nano);
  w.fixed64_field(f::kSpanStart, s.start_unix_nano);
  if (s.kind != SpanKind::Unspecified)
    w.varint_field(f::kSpanKind, static_cast<std::uint64_t>(s.kind));
  w.string_field(f::kSpanName, s.name);
  if (!all_zero(s.parent_span_id))
    w.bytes_field(f::kSpanParentSpanId, s.parent_span_id.data(), s.parent_span_id.size());
  if (!s.trace_state.empty())
    w.string_field(f::kSpanTraceState, s.trace_state);
  w.bytes_field(f::kSpanSpanId, s.span_id.data(), s.span_id.size());
  w.bytes_field(f::kSpanTraceId, s.trace_id.data(), s.trace_id.size());
  w.end_message(f::kScopeSpansSpans, m);
}

// Minimal wire reader for the response message.
struct ProtoReader {
  const std::uint8_t* p;
  const std::uint8_t* end;

  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end)
        return false;
      std::uint8_t b = *p++;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        return true;
    }
    return false;
  }
  // Reads a tag and, for length-delimited fields, the payload bounds; skips nothing.
  bool field(std::uint32_t& number, std::uint32_t& type, std::uint64_t& value,
             const std::uint8_t*& payload) {
    std::uint64_t tag;
    if (!varint(tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
      return false;
    number = static_cast<std::uint32_t>(tag >> 3);
    type = static_cast<std::uint32_t>(tag & 7);
    switch (type) {
    case ProtoWriter::Varint:
      return varint(value);
    case ProtoWriter::Fixed64:
      if (end - p < 8)
        return false;
      p += 8;
      return true;
    case ProtoWriter::Fixed32:
      if (end - p < 4)
        return false;
      p += 4;
      return true;
    case ProtoWriter::Len:
      if (!varint(value) || value > static_cast<std::uint64_t>(end - p))
        return false;
      payload = p;
      p += value;
      return true;
    default: // groups (deprecated) and reserved types: not valid in OTLP responses
      return false;
    }
  }
};

bool parse_partial(const std::uint8_t* data, std::size_t size, PartialSuccess& out) {
  ProtoReader r{data, data + size};
  while (r.p != r.end) {
    std::uint32_t number, type;
    std::uint64_t value = 0;
    const std::uint8_t* payload = nullptr;
    if (!r.field(number, type, value, payload))
      return false;
    if (number == f::kPartialRejectedSpans && type == ProtoWriter::Varint)
      out.rejected_spans = static_cast<std::int64_t>(value);
    else if (number == f::kPartialErrorMessage && type == ProtoWriter::Len)
      out.error_message.assign(reinterpret_cast<const char*>(payload), value);
  }
  return true;
}

// `trailing`: bytes of ScopeSpans.spans fields that follow the writer's contents on the wire.
void encode_request(const ExportBatch& batch, ProtoWriter& w, std::size_t trailing) {
  std::size_t resource_spans = w.mark();
  std::size_t scope_spans = w.mark();
  for (std::size_t i = batch.count; i-- > 0;)
    write_span(w, batch.spans[i]);
  if (batch.scope != nullptr) {
    std::size_t m = w.mark();
    if (!batch.scope->version.empty())
      w.string_field(f::kScopeVersion, batch.scope->version);
    w.string_field(f::kScopeName, batch.scope->name);
    w.end_message(f::kScopeSpansScope, m);
  }
  w.end_message(f::kResourceSpansScopeSpans, scope_spans, trailing);
  if (batch.resource != nullptr) {
    std::size_t m = w.mark();
    write_attributes(w, f::kResourceAttributes, batch.resource->attributes);
    w.end_message(f::kResourceSpansResource, m);
  }
  w.end_message(f::kRequestResourceSpans, resource_spans, trailing);
}

} // namespace

void encode_otlp_protobuf(const ExportBatch& batch, ProtoWriter& w) {
  w.clear();
  // Written back to front: the encoded spans are the last bytes of ScopeSpans.
  if (batch.encoded_size != 0)
    w.prepend(batch.encoded_spans, batch.encoded_size);
  encode_request(batch, w, 0);
}

void encode_otlp_protobuf_head(const ExportBatch& batch, ProtoWriter& w) {
  w.clear();
  encode_request(batch, w, batch.encoded_size);
}

bool parse_partial_success_protobuf(const std::uint8_t* data, std::size_t size,
                                    PartialSuccess& out) {
  out = PartialSuccess{};
  ProtoReader r{data, data + size};
  while (r.p != r.end) {
    std::uint32_t number, type;
    std::uint64_t value = 0;
    const std::uint8_t* payload = nullptr;
    if (!r.field(number, type, value, payload))
      return false;
    if (number == f::kResponsePartialSuccess && type == ProtoWriter::Len &&
        !parse_partial(payload, value, out))
      return false;
  }
  return true;
}

} // namespace autospan::internal
