#include "trace_model.h"

#include "json.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace autospan::cli {

StringTable::StringTable() {
  intern("");
}

std::uint32_t StringTable::intern(std::string_view s) {
  auto it = index_.find(s);
  if (it != index_.end())
    return it->second;
  auto id = static_cast<std::uint32_t>(storage_.size());
  storage_.emplace_back(s);
  index_.emplace(storage_.back(), id);
  return id;
}

const AttrValue* TraceData::find_attr(Range range, std::string_view key) const {
  for (std::uint32_t i = range.begin; i < range.begin + range.count; ++i)
    if (str(attrs[i].key) == key)
      return &attrs[i].value;
  return nullptr;
}

std::string TraceData::service_name(std::uint32_t resource) const {
  const AttrValue* v = find_attr(resources[resource], "service.name");
  if (v == nullptr || v->kind != ValueKind::String)
    return "unknown_service";
  return str(v->s);
}

std::uint32_t TraceData::intern_resource(const std::vector<Attr>& resource_attrs) {
  // The key is the attribute list itself, in order: a process sends the same list every batch.
  std::string key;
  for (const auto& a : resource_attrs) {
    std::int64_t payload = 0;
    switch (a.value.kind) {
    case ValueKind::Bool:
      payload = a.value.b ? 1 : 0;
      break;
    case ValueKind::Int:
      payload = a.value.i;
      break;
    case ValueKind::Double:
      std::memcpy(&payload, &a.value.d, sizeof payload);
      break;
    case ValueKind::String:
    case ValueKind::Json:
      payload = a.value.s;
      break;
    }
    key += std::to_string(a.key);
    key += '=';
    key += std::to_string(static_cast<int>(a.value.kind));
    key += ':';
    key += std::to_string(payload);
    key += ';';
  }
  auto it = resource_index_.find(key);
  if (it != resource_index_.end())
    return it->second;
  Range range{static_cast<std::uint32_t>(attrs.size()),
              static_cast<std::uint32_t>(resource_attrs.size())};
  attrs.insert(attrs.end(), resource_attrs.begin(), resource_attrs.end());
  auto id = static_cast<std::uint32_t>(resources.size());
  resources.push_back(range);
  resource_index_.emplace(std::move(key), id);
  return id;
}

std::uint32_t TraceData::intern_scope(std::string_view name, std::string_view version) {
  std::string key(name);
  key += '\n';
  key += version;
  auto it = scope_index_.find(key);
  if (it != scope_index_.end())
    return it->second;
  auto id = static_cast<std::uint32_t>(scopes.size());
  scopes.push_back({strings.intern(name), strings.intern(version)});
  scope_index_.emplace(std::move(key), id);
  return id;
}

namespace {

std::string format_double(double d) {
  if (std::isnan(d))
    return "NaN";
  if (std::isinf(d))
    return d > 0 ? "Infinity" : "-Infinity";
  char buf[40];
  // Shortest text that reads back as the same double.
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d)
      break;
  }
  return buf;
}

} // namespace

std::string format_value(const TraceData& data, const AttrValue& value) {
  switch (value.kind) {
  case ValueKind::Bool:
    return value.b ? "true" : "false";
  case ValueKind::Int:
    return std::to_string(value.i);
  case ValueKind::Double:
    return format_double(value.d);
  case ValueKind::String:
  case ValueKind::Json:
    return data.str(value.s);
  }
  return {};
}

void append_value_json(std::string& out, const TraceData& data, const AttrValue& value,
                       bool html_safe) {
  constexpr std::int64_t kMaxSafe = (std::int64_t{1} << 53) - 1;
  switch (value.kind) {
  case ValueKind::Bool:
    out += value.b ? "true" : "false";
    return;
  case ValueKind::Int:
    if (value.i > kMaxSafe || value.i < -kMaxSafe)
      json::append_string(out, std::to_string(value.i), html_safe);
    else
      out += std::to_string(value.i);
    return;
  case ValueKind::Double:
    if (std::isfinite(value.d))
      out += format_double(value.d);
    else
      json::append_string(out, format_double(value.d), html_safe);
    return;
  case ValueKind::String:
    json::append_string(out, data.str(value.s), html_safe);
    return;
  case ValueKind::Json:
    if (!html_safe) {
      out += data.str(value.s);
      return;
    }
    // Stored JSON is already valid; only the characters that could close <script> need care.
    for (char c : data.str(value.s)) {
      if (c == '<')
        out += "\\u003c";
      else if (c == '>')
        out += "\\u003e";
      else if (c == '&')
        out += "\\u0026";
      else
        out += c;
    }
    return;
  }
}

std::string hex(const std::uint8_t* bytes, std::size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xF];
  }
  return out;
}

namespace {

struct IdHash {
  std::size_t operator()(const SpanId& id) const {
    std::uint64_t v;
    std::memcpy(&v, id.data(), sizeof v);
    return static_cast<std::size_t>(v ^ (v >> 29));
  }
};

} // namespace

Forest build_forest(const TraceData& data) {
  Forest f;
  const auto n = static_cast<std::uint32_t>(data.spans.size());
  f.order.resize(n);
  for (std::uint32_t i = 0; i < n; ++i)
    f.order[i] = i;
  std::sort(f.order.begin(), f.order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const SpanRec& x = data.spans[a];
    const SpanRec& y = data.spans[b];
    if (x.trace_id != y.trace_id)
      return x.trace_id < y.trace_id;
    if (x.start != y.start)
      return x.start < y.start;
    if (x.end != y.end)
      return x.end > y.end; // a parent starting with its child comes first
    return a < b;
  });

  f.parent.assign(n, -1);
  std::vector<std::uint32_t> child_count(n, 0);
  for (std::uint32_t t = 0; t < n;) {
    std::uint32_t u = t;
    const TraceId& tid = data.spans[f.order[t]].trace_id;
    while (u < n && data.spans[f.order[u]].trace_id == tid)
      ++u;
    // A map per trace: clear() on a shared one would wipe the giant trace's buckets each time.
    std::unordered_map<SpanId, std::uint32_t, IdHash> by_id;
    by_id.reserve(u - t);
    for (std::uint32_t k = t; k < u; ++k)
      by_id.emplace(data.spans[f.order[k]].span_id, f.order[k]);
    Forest::Trace trace;
    trace.first = t;
    trace.count = u - t;
    trace.start = data.spans[f.order[t]].start;
    trace.end = 0;
    bool have_root = false;
    for (std::uint32_t k = t; k < u; ++k) {
      std::uint32_t s = f.order[k];
      const SpanRec& span = data.spans[s];
      trace.end = std::max(trace.end, span.end);
      if (span.is_error())
        ++trace.errors;
      if (!is_zero(span.parent_id)) {
        auto it = by_id.find(span.parent_id);
        if (it != by_id.end() && it->second != s) {
          f.parent[s] = static_cast<std::int32_t>(it->second);
          ++child_count[it->second];
        }
      }
      // The trace is named after its earliest true root; failing that, its earliest orphan.
      if (f.parent[s] < 0) {
        bool true_root = is_zero(span.parent_id);
        if (!have_root || (true_root && !is_zero(data.spans[trace.root].parent_id))) {
          trace.root = s;
          have_root = true;
        }
      }
    }
    f.traces.push_back(trace);
    t = u;
  }
  // Cycles (a corrupt file where A's parent is B and B's is A) would make tree walks loop
  // forever: cut every cycle at the span where the walk meets it.
  {
    std::vector<std::uint8_t> state(n, 0); // 0 unvisited, 1 on the current path, 2 done
    std::vector<std::uint32_t> path;
    for (std::uint32_t s = 0; s < n; ++s) {
      std::uint32_t cur = s;
      path.clear();
      while (state[cur] == 0) {
        state[cur] = 1;
        path.push_back(cur);
        if (f.parent[cur] < 0)
          break;
        auto next = static_cast<std::uint32_t>(f.parent[cur]);
        if (state[next] == 1) { // cycle: cur -> next closes it
          --child_count[next];
          f.parent[cur] = -1;
          break;
        }
        cur = next;
      }
      for (auto p : path)
        state[p] = 2;
    }
  }

  f.child_begin.assign(n + 1, 0);
  for (std::uint32_t i = 0; i < n; ++i)
    f.child_begin[i + 1] = f.child_begin[i] + child_count[i];
  f.children.resize(f.child_begin[n]);
  std::vector<std::uint32_t> fill(f.child_begin.begin(), f.child_begin.end() - 1);
  for (std::uint32_t s : f.order) // `order` is by start time, so children come out sorted
    if (f.parent[s] >= 0)
      f.children[fill[static_cast<std::uint32_t>(f.parent[s])]++] = s;

  // `first` breaks ties: each trace has its own, so the order is total and reproducible.
  std::sort(f.traces.begin(), f.traces.end(), [](const Forest::Trace& a, const Forest::Trace& b) {
    return a.start != b.start ? a.start < b.start : a.first < b.first;
  });
  return f;
}

std::uint64_t self_time(const TraceData& data, const Forest& forest, std::uint32_t span) {
  const SpanRec& s = data.spans[span];
  std::uint64_t covered = 0;
  std::uint64_t cur_begin = 0;
  std::uint64_t cur_end = 0;
  bool open = false;
  const std::uint32_t* kids = forest.children_of(span);
  for (std::uint32_t k = 0; k < forest.children_count(span); ++k) {
    const SpanRec& c = data.spans[kids[k]];
    std::uint64_t b = std::max(c.start, s.start);
    std::uint64_t e = std::min(c.end, s.end);
    if (e <= b)
      continue;
    // Children arrive sorted by start, so a sweep merges overlapping intervals.
    if (open && b <= cur_end) {
      cur_end = std::max(cur_end, e);
      continue;
    }
    if (open)
      covered += cur_end - cur_begin;
    cur_begin = b;
    cur_end = e;
    open = true;
  }
  if (open)
    covered += cur_end - cur_begin;
  return s.duration() > covered ? s.duration() - covered : 0;
}

std::string format_duration(std::uint64_t ns) {
  static const struct {
    std::uint64_t scale;
    const char* unit;
  } kUnits[] = {{1, "ns"}, {1000, "\xc2\xb5s"}, {1000000, "ms"}, {1000000000, "s"}};
  std::size_t u = 0;
  while (u + 1 < sizeof kUnits / sizeof kUnits[0] && ns >= kUnits[u + 1].scale)
    ++u;
  char buf[48];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%" PRIu64 " ns", ns);
    return buf;
  }
  double v = static_cast<double>(ns) / static_cast<double>(kUnits[u].scale);
  // Three significant digits; "999.96 us" rounds to "1000 us", which is still honest.
  int decimals = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  std::snprintf(buf, sizeof buf, "%.*f %s", decimals, v, kUnits[u].unit);
  return buf;
}

} // namespace autospan::cli
