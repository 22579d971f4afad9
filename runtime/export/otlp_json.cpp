#include "otlp_json.h"

#include "json_reader.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace autospan::internal {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Bytes that can be copied into a JSON string as they are.
inline bool plain_byte(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

// Length of the valid UTF-8 sequence at s[0] (s.size() > 0, s[0] >= 0x80), or 0 if invalid; in
// that case `skip` is the length of the maximal subpart to replace with one U+FFFD.
std::size_t utf8_sequence(std::string_view s, std::size_t& skip) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xbf; // allowed range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0)
      lo = 0xa0; // overlong
    else if (c == 0xed)
      hi = 0x9f; // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0)
      lo = 0x90; // overlong
    else if (c == 0xf4)
      hi = 0x8f; // above U+10FFFF
  } else {
    skip = 1;
    return 0;
  }
  std::size_t i = 1;
  for (; i < len && i < s.size(); ++i) {
    unsigned char lo_i = i == 1 ? lo : 0x80, hi_i = i == 1 ? hi : 0xbf;
    if (b(i) < lo_i || b(i) > hi_i)
      break;
  }
  if (i == len)
    return len;
  skip = i;
  return 0;
}

void append_id(std::string& out, const std::uint8_t* bytes, std::size_t n) {
  char buf[2 * 16 + 2];
  buf[0] = '"';
  for (std::size_t i = 0; i < n; ++i) {
    buf[1 + 2 * i] = kHexDigits[bytes[i] >> 4];
    buf[2 + 2 * i] = kHexDigits[bytes[i] & 0xf];
  }
  buf[2 * n + 1] = '"';
  out.append(buf, 2 * n + 2);
}

// Length of the prefix of [p, end) that needs no escaping and is ASCII, 8 bytes at a time: a byte
// is special if < 0x20, '"', '\\' or >= 0x80.
std::size_t plain_prefix(const char* p, const char* end) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const char* start = p;
  while (end - p >= 8) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    auto has_zero = [&](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
    std::uint64_t special = (x & kHigh) | ((x - kOnes * 0x20) & ~x & kHigh) |
                            has_zero(x ^ (kOnes * '"')) | has_zero(x ^ (kOnes * '\\'));
    if (special != 0)
      break;
    p += 8;
  }
  while (p < end && plain_byte(static_cast<unsigned char>(*p)))
    ++p;
  return static_cast<std::size_t>(p - start);
}

template <class Int> void append_int(std::string& out, Int v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// The protobuf JSON mapping writes 64-bit integers as strings.
template <class Int> void append_int_string(std::string& out, Int v) {
  out += '"';
  append_int(out, v);
  out += '"';
}

void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "\"NaN\"";
  } else if (std::isinf(v)) {
    out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v); // shortest round-trip form
    out.append(buf, r.ptr);
  }
}

void append_scalar(std::string& out, bool v) {
  out += v ? "{\"boolValue\":true}" : "{\"boolValue\":false}";
}
void append_scalar(std::string& out, std::int64_t v) {
  out += "{\"intValue\":";
  append_int_string(out, v);
  out += '}';
}
void append_scalar(std::string& out, double v) {
  out += "{\"doubleValue\":";
  append_double(out, v);
  out += '}';
}
void append_scalar(std::string& out, const std::string& v) {
  out += "{\"stringValue\":";
  append_json_string(out, v);
  out += '}';
}

template <class T> void append_array(std::string& out, const std::vector<T>& values) {
  out += "{\"arrayValue\":{\"values\":[";
  bool first = true;
  for (auto&& v : values) {
    if (!first)
      out += ',';
    first = false;
    append_scalar(out, static_cast<T>(v));
  }
  out += "]}}";
}

void append_any_value(std::string& out, const AttributeValue& value) {
  switch (value.index()) {
  case 0:
    return append_scalar(out, *std::get_if<bool>(&value));
  case 1:
    return append_scalar(out, *std::get_if<std::int64_t>(&value));
  case 2:
    return append_scalar(out, *std::get_if<double>(&value));
  case 3:
    return append_scalar(out, *std::get_if<std::string>(&value));
  case 4:
    return append_array(out, *std::get_if<std::vector<bool>>(&value));
  case 5:
    return append_array(out, *std::get_if<std::vector<std::int64_t>>(&value));
  case 6:
    return append_array(out, *std::get_if<std::vector<double>>(&value));
  case 7:
    return append_array(out, *std::get_if<std::vector<std::string>>(&value));
  default:
    out += "{}";
  }
}

// `,"key":[...]` unless empty; `lead` is the comma (or nothing) that precedes it.
void append_attributes(std::string& out, const char* lead_and_key,
                       const std::vector<Attribute>& attrs) {
  if (attrs.empty())
    return;
  out += lead_and_key;
  out += '[';
  for (std::size_t i = 0; i < attrs.size(); ++i) {
    if (i != 0)
      out += ',';
    out += "{\"key\":";
    append_json_string(out, attrs[i].key);
    out += ",\"value\":";
    append_any_value(out, attrs[i].value);
    out += '}';
  }
  out += ']';
}

template <std::size_t N> bool all_zero(const std::array<std::uint8_t, N>& id) {
  for (std::uint8_t b : id)
    if (b != 0)
      return false;
  return true;
}

void append_span(std::string& out, const SpanData& s) {
  out += "{\"traceId\":";
  append_id(out, s.trace_id.data(), s.trace_id.size());
  out += ",\"spanId\":";
  append_id(out, s.span_id.data(), s.span_id.size());
  if (!s.trace_state.empty()) {
    out += ",\"traceState\":";
    append_json_string(out, s.trace_state);
  }
  if (!all_zero(s.parent_span_id)) {
    out += ",\"parentSpanId\":";
    append_id(out, s.parent_span_id.data(), s.parent_span_id.size());
  }
  out += ",\"flags\":";
  append_int(out, (s.trace_flags & 0xffu) | 0x100u | (s.parent_is_remote ? 0x200u : 0u));
  out += ",\"name\":";
  append_json_string(out, s.name);
  out += ",\"kind\":";
  append_int(out, static_cast<unsigned>(s.kind));
  out += ",\"startTimeUnixNano\":";
  append_int_string(out, s.start_unix_nano);
  out += ",\"endTimeUnixNano\":";
  append_int_string(out, s.end_unix_nano);
  append_attributes(out, ",\"attributes\":", s.attributes);
  if (s.dropped_attributes_count != 0) {
    out += ",\"droppedAttributesCount\":";
    append_int(out, s.dropped_attributes_count);
  }
  if (!s.events.empty()) {
    out += ",\"events\":[";
    for (std::size_t i = 0; i < s.events.size(); ++i) {
      const Event& e = s.events[i];
      if (i != 0)
        out += ',';
      out += "{\"timeUnixNano\":";
      append_int_string(out, e.time_unix_nano);
      out += ",\"name\":";
      append_json_string(out, e.name);
      append_attributes(out, ",\"attributes\":", e.attributes);
      out += '}';
    }
    out += ']';
  }
  if (s.dropped_events_count != 0) {
    out += ",\"droppedEventsCount\":";
    append_int(out, s.dropped_events_count);
  }
  if (!s.links.empty()) {
    out += ",\"links\":[";
    for (std::size_t i = 0; i < s.links.size(); ++i) {
      const Link& l = s.links[i];
      if (i != 0)
        out += ',';
      out += "{\"traceId\":";
      append_id(out, l.trace_id.data(), l.trace_id.size());
      out += ",\"spanId\":";
      append_id(out, l.span_id.data(), l.span_id.size());
      if (!l.trace_state.empty()) {
        out += ",\"traceState\":";
        append_json_string(out, l.trace_state);
      }
      append_attributes(out, ",\"attributes\":", l.attributes);
      out += '}';
    }
    out += ']';
  }
  if (s.dropped_links_count != 0) {
    out += ",\"droppedLinksCount\":";
    append_int(out, s.dropped_links_count);
  }
  out += ",\"status\":{";
  if (!s.status_message.empty()) {
    out += "\"message\":";
    append_json_string(out, s.status_message);
  }
  if (s.status != StatusCode::Unset) {
    out += s.status_message.empty() ? "\"code\":" : ",\"code\":";
    append_int(out, static_cast<unsigned>(s.status));
  }
  out += "}}";
}

// ---- decoding ----

// Missing or "" leaves the id zero (OTLP: empty = absent).
template <std::size_t N> bool decode_id(const JsonValue* v, std::array<std::uint8_t, N>& id) {
  id.fill(0);
  if (v == nullptr || (v->is_string() && v->text.empty()))
    return true;
  return v->is_string() && decode_hex_id(v->text, id.data(), N);
}

std::string string_of(const JsonValue* v) {
  return v != nullptr && v->is_string() ? v->text : "";
}

template <class Int> Int uint_of(const JsonValue* v) {
  std::uint64_t x = 0;
  if (v != nullptr && v->to_uint64(x))
    return static_cast<Int>(x);
  return 0;
}

// Enums may be integers or their proto names.
int enum_of(const JsonValue* v, const char* const* names, int count) {
  if (v == nullptr)
    return 0;
  if (v->is_string()) {
    for (int i = 0; i < count; ++i)
      if (v->text == names[i])
        return i;
  }
  std::int64_t x = 0;
  return v->to_int64(x) ? static_cast<int>(x) : 0;
}

// A JSON rendering of AnyValues that have no AttributeValue counterpart (kvlist, mixed arrays).
void describe_any(const JsonValue& v, std::string& out);

bool scalar_of(const JsonValue& any, AttributeValue& out) {
  if (const JsonValue* s = any.find("stringValue")) {
    out = s->text;
  } else if (const JsonValue* b = any.find("boolValue")) {
    out = b->type == JsonValue::Type::Bool && b->boolean;
  } else if (const JsonValue* i = any.find("intValue")) {
    std::int64_t x = 0;
    i->to_int64(x);
    out = x;
  } else if (const JsonValue* d = any.find("doubleValue")) {
    double x = 0;
    d->to_double(x);
    out = x;
  } else {
    return false;
  }
  return true;
}

AttributeValue decode_any(const JsonValue& any) {
  AttributeValue out;
  if (scalar_of(any, out))
    return out;
  if (const JsonValue* arr = any.find("arrayValue")) {
    const JsonValue* values = arr->find("values");
    std::vector<AttributeValue> items;
    bool homogeneous = true;
    if (values != nullptr && values->is_array()) {
      for (const JsonValue& item : values->items) {
        AttributeValue x;
        if (!scalar_of(item, x) || (!items.empty() && x.index() != items.front().index()))
          homogeneous = false;
        items.push_back(std::move(x));
      }
    }
    if (items.empty())
      return std::vector<std::string>{};
    if (homogeneous) {
      switch (items.front().index()) {
      case 0: {
        std::vector<bool> v;
        for (auto& x : items)
          v.push_back(std::get<bool>(x));
        return v;
      }
      case 1: {
        std::vector<std::int64_t> v;
        for (auto& x : items)
          v.push_back(std::get<std::int64_t>(x));
        return v;
      }
      case 2: {
        std::vector<double> v;
        for (auto& x : items)
          v.push_back(std::get<double>(x));
        return v;
      }
      default: {
        std::vector<std::string> v;
        for (auto& x : items)
          v.push_back(std::move(std::get<std::string>(x)));
        return v;
      }
      }
    }
    std::vector<std::string> v;
    for (const JsonValue& item : values->items) {
      v.emplace_back();
      describe_any(item, v.back());
    }
    return v;
  }
  if (const JsonValue* bytes = any.find("bytesValue"))
    return bytes->text; // base64, kept as text
  std::string text;
  describe_any(any, text);
  return text;
}

void describe_any(const JsonValue& v, std::string& out) {
  switch (v.type) {
  case JsonValue::Type::Null:
    out += "null";
    break;
  case JsonValue::Type::Bool:
    out += v.boolean ? "true" : "false";
    break;
  case JsonValue::Type::Number:
    out += v.text;
    break;
  case JsonValue::Type::String:
    append_json_string(out, v.text);
    break;
  case JsonValue::Type::Array:
    out += '[';
    for (std::size_t i = 0; i < v.items.size(); ++i) {
      if (i != 0)
        out += ',';
      describe_any(v.items[i], out);
    }
    out += ']';
    break;
  case JsonValue::Type::Object:
    out += '{';
    for (std::size_t i = 0; i < v.members.size(); ++i) {
      if (i != 0)
        out += ',';
      append_json_string(out, v.members[i].first);
      out += ':';
      describe_any(v.members[i].second, out);
    }
    out += '}';
    break;
  }
}

void decode_attributes(const JsonValue* list, std::vector<Attribute>& out) {
  if (list == nullptr || !list->is_array())
    return;
  for (const JsonValue& kv : list->items) {
    const JsonValue* value = kv.find("value");
    out.push_back(Attribute{string_of(kv.find("key")),
                            value != nullptr ? decode_any(*value) : AttributeValue{std::string()}});
  }
}

const char* const kKindNames[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                  "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                  "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
const char* const kStatusNames[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"};

bool decode_span(const JsonValue& js, SpanData& s, std::string& error) {
  if (!decode_id(js.find("traceId"), s.trace_id) || !decode_id(js.find("spanId"), s.span_id) ||
      !decode_id(js.find("parentSpanId"), s.parent_span_id)) {
    error = "invalid traceId, spanId or parentSpanId (want lowercase hex of 16/8 bytes)";
    return false;
  }
  std::uint32_t flags = uint_of<std::uint32_t>(js.find("flags"));
  s.trace_flags = js.find("flags") != nullptr ? (flags & 0xffu) : 1u;
  s.parent_is_remote = (flags & 0x300u) == 0x300u;
  s.trace_state = string_of(js.find("traceState"));
  s.name = string_of(js.find("name"));
  int kind = enum_of(js.find("kind"), kKindNames, 6);
  s.kind = kind >= 0 && kind <= 5 ? static_cast<SpanKind>(kind) : SpanKind::Unspecified;
  s.start_unix_nano = uint_of<std::uint64_t>(js.find("startTimeUnixNano"));
  s.end_unix_nano = uint_of<std::uint64_t>(js.find("endTimeUnixNano"));
  decode_attributes(js.find("attributes"), s.attributes);
  s.dropped_attributes_count = uint_of<std::uint32_t>(js.find("droppedAttributesCount"));
  if (const JsonValue* events = js.find("events"); events != nullptr && events->is_array()) {
    for (const JsonValue& je : events->items) {
      Event e;
      e.name = string_of(je.find("name"));
      e.time_unix_nano = uint_of<std::uint64_t>(je.find("timeUnixNano"));
      decode_attributes(je.find("attributes"), e.attributes);
      s.events.push_back(std::move(e));
    }
  }
  s.dropped_events_count = uint_of<std::uint32_t>(js.find("droppedEventsCount"));
  if (const JsonValue* links = js.find("links"); links != nullptr && links->is_array()) {
    for (const JsonValue& jl : links->items) {
      Link l;
      if (!decode_id(jl.find("traceId"), l.trace_id) || !decode_id(jl.find("spanId"), l.span_id)) {
        error = "invalid link traceId or spanId";
        return false;
      }
      l.trace_state = string_of(jl.find("traceState"));
      decode_attributes(jl.find("attributes"), l.attributes);
      s.links.push_back(std::move(l));
    }
  }
  s.dropped_links_count = uint_of<std::uint32_t>(js.find("droppedLinksCount"));
  if (const JsonValue* status = js.find("status")) {
    int code = enum_of(status->find("code"), kStatusNames, 3);
    s.status = code >= 0 && code <= 2 ? static_cast<StatusCode>(code) : StatusCode::Unset;
    s.status_message = string_of(status->find("message"));
  }
  return true;
}

} // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t run = i;
    i += plain_prefix(s.data() + i, s.data() + s.size());
    out.append(s.data() + run, i - run);
    if (i == s.size())
      break;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t skip = 0;
      std::size_t len = utf8_sequence(s.substr(i), skip);
      if (len != 0) {
        out.append(s.data() + i, len);
        i += len;
      } else {
        out += "\xef\xbf\xbd";
        i += skip;
      }
      continue;
    }
    ++i;
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default: {
      char esc[6] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xf]};
      out.append(esc, sizeof esc);
    }
    }
  }
  out += '"';
}

void encode_otlp_json(const ExportBatch& batch, std::string& out) {
  out.clear();
  out.reserve(256 + batch.count * 512); // typical auto spans: ~540 bytes each
  out += "{\"resourceSpans\":[{\"resource\":{";
  if (batch.resource != nullptr)
    append_attributes(out, "\"attributes\":", batch.resource->attributes);
  out += "},\"scopeSpans\":[{\"scope\":{";
  if (batch.scope != nullptr) {
    out += "\"name\":";
    append_json_string(out, batch.scope->name);
    if (!batch.scope->version.empty()) {
      out += ",\"version\":";
      append_json_string(out, batch.scope->version);
    }
  }
  out += "},\"spans\":[";
  for (std::size_t i = 0; i < batch.count; ++i) {
    if (i != 0)
      out += ',';
    append_span(out, batch.spans[i]);
  }
  out += "]}]}]}";
}

bool parse_partial_success_json(std::string_view body, PartialSuccess& out) {
  out = PartialSuccess{};
  std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return true;
  JsonValue doc;
  std::string error;
  if (!parse_json(body, doc, error) || !doc.is_object())
    return false;
  const JsonValue* partial = doc.find("partialSuccess");
  if (partial == nullptr)
    partial = doc.find("partial_success");
  if (partial == nullptr)
    return true;
  const JsonValue* rejected = partial->find("rejectedSpans");
  if (rejected == nullptr)
    rejected = partial->find("rejected_spans");
  if (rejected != nullptr)
    rejected->to_int64(out.rejected_spans);
  const JsonValue* message = partial->find("errorMessage");
  if (message == nullptr)
    message = partial->find("error_message");
  out.error_message = string_of(message);
  return true;
}

bool decode_otlp_json(std::string_view json, DecodedRequest& out, std::string& error) {
  JsonValue doc;
  if (!parse_json(json, doc, error))
    return false;
  if (!doc.is_object()) {
    error = "not a JSON object";
    return false;
  }
  const JsonValue* resource_spans = doc.find("resourceSpans");
  if (resource_spans == nullptr || !resource_spans->is_array()) {
    error = "no resourceSpans array";
    return false;
  }
  for (const JsonValue& rs : resource_spans->items) {
    Resource resource;
    if (const JsonValue* r = rs.find("resource"))
      decode_attributes(r->find("attributes"), resource.attributes);
    out.resources.push_back(std::move(resource));
    std::size_t resource_index = out.resources.size() - 1;
    const JsonValue* scope_spans = rs.find("scopeSpans");
    if (scope_spans == nullptr || !scope_spans->is_array())
      continue;
    for (const JsonValue& ss : scope_spans->items) {
      InstrumentationScope scope;
      if (const JsonValue* sc = ss.find("scope")) {
        scope.name = string_of(sc->find("name"));
        scope.version = string_of(sc->find("version"));
      }
      out.scopes.push_back(std::move(scope));
      std::size_t scope_index = out.scopes.size() - 1;
      const JsonValue* spans = ss.find("spans");
      if (spans == nullptr || !spans->is_array())
        continue;
      for (const JsonValue& js : spans->items) {
        SpanData span;
        if (!decode_span(js, span, error)) {
          error = "span " + std::to_string(out.spans.size()) + ": " + error;
          return false;
        }
        out.spans.push_back(std::move(span));
        out.origins.push_back({resource_index, scope_index});
      }
    }
  }
  return true;
}

} // namespace autospan::internal
