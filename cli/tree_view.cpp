#include "tree_view.h"

#include "json.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#if AUTOSPAN_HAVE_TREE_RENDER
#include "runtime/export/tree_render.h"
#endif

namespace autospan::cli {

namespace {

// An arrayValue read from a file comes back as the typed array the runtime would have had,
// when its items share one type; anything else (maps, mixed arrays) stays JSON text.
internal::AttributeValue from_json_text(const std::string& text) {
  json::Value v;
  try {
    v = json::parse(text);
  } catch (const json::ParseError&) {
    return text;
  }
  if (!v.is_array() || v.items.empty())
    return text;
  auto all = [&](auto pred) {
    for (const auto& item : v.items)
      if (!pred(item))
        return false;
    return true;
  };
  if (all([](const json::Value& i) { return i.is_string(); })) {
    std::vector<std::string> out;
    for (const auto& item : v.items)
      out.push_back(item.text);
    return out;
  }
  if (all([](const json::Value& i) { return i.type == json::Type::Bool; })) {
    std::vector<bool> out;
    for (const auto& item : v.items)
      out.push_back(item.boolean);
    return out;
  }
  if (all([](const json::Value& i) { return i.is_number(); })) {
    bool integral =
        all([](const json::Value& i) { return i.text.find_first_of(".eE") == std::string::npos; });
    if (integral) {
      std::vector<std::int64_t> out;
      for (const auto& item : v.items)
        out.push_back(std::strtoll(item.text.c_str(), nullptr, 10));
      return out;
    }
    std::vector<double> out;
    for (const auto& item : v.items)
      out.push_back(std::strtod(item.text.c_str(), nullptr));
    return out;
  }
  return text;
}

internal::AttributeValue to_attribute_value(const TraceData& data, const AttrValue& v) {
  switch (v.kind) {
  case ValueKind::Bool:
    return v.b;
  case ValueKind::Int:
    return v.i;
  case ValueKind::Double:
    return v.d;
  case ValueKind::String:
    return data.str(v.s);
  case ValueKind::Json:
    return from_json_text(data.str(v.s));
  }
  return std::string();
}

std::vector<internal::Attribute> to_attributes(const TraceData& data, Range range) {
  std::vector<internal::Attribute> out;
  out.reserve(range.count);
  for (std::uint32_t a = range.begin; a < range.begin + range.count; ++a)
    out.push_back({data.str(data.attrs[a].key), to_attribute_value(data, data.attrs[a].value)});
  return out;
}

} // namespace

internal::SpanData to_span_data(const TraceData& data, std::uint32_t index) {
  const SpanRec& s = data.spans[index];
  internal::SpanData d;
  d.trace_id = s.trace_id;
  d.span_id = s.span_id;
  d.parent_span_id = s.parent_id;
  d.name = data.str(s.name);
  d.kind = s.kind;
  d.start_unix_nano = s.start;
  d.end_unix_nano = s.end;
  d.attributes = to_attributes(data, s.attrs);
  for (std::uint32_t e = s.events.begin; e < s.events.begin + s.events.count; ++e) {
    const EventRec& ev = data.events[e];
    d.events.push_back({data.str(ev.name), ev.time, to_attributes(data, ev.attrs)});
  }
  for (std::uint32_t l = s.links.begin; l < s.links.begin + s.links.count; ++l) {
    const LinkRec& link = data.links[l];
    internal::Link out;
    out.trace_id = link.trace_id;
    out.span_id = link.span_id;
    out.attributes = to_attributes(data, link.attrs);
    d.links.push_back(std::move(out));
  }
  d.status = s.status;
  d.status_message = data.str(s.status_message);
  return d;
}

#if AUTOSPAN_HAVE_TREE_RENDER

bool write_trees(const TraceData& data, const Forest& forest, std::FILE* out, bool color,
                 std::string& error) {
  internal::TreeRenderOptions options;
  options.color = color;
  // One trace at a time: a million spans never exist as SpanData all at once.
  std::vector<internal::SpanData> spans;
  bool first = true;
  for (const auto& trace : forest.traces) {
    spans.clear();
    spans.reserve(trace.count);
    for (std::uint32_t k = trace.first; k < trace.first + trace.count; ++k)
      spans.push_back(to_span_data(data, forest.order[k]));
    std::string text = internal::render_tree(spans, options);
    if (!first)
      text.insert(0, "\n");
    first = false;
    if (std::fwrite(text.data(), 1, text.size(), out) != text.size()) {
      error = std::string("cannot write the tree: ") + std::strerror(errno);
      return false;
    }
  }
  return true;
}

#else

bool write_trees(const TraceData&, const Forest&, std::FILE*, bool, std::string& error) {
  error = "'tree' is not available in this build (runtime/export/tree_render.cpp missing)";
  return false;
}

#endif

} // namespace autospan::cli
