#include "chrome_trace.h"

#include "buffered_writer.h"
#include "json.h"

#include <algorithm>
#include <cinttypes>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace autospan::cli {

namespace {

const char* kind_name(internal::SpanKind kind) {
  switch (kind) {
  case internal::SpanKind::Unspecified:
    return "UNSPECIFIED";
  case internal::SpanKind::Internal:
    return "INTERNAL";
  case internal::SpanKind::Server:
    return "SERVER";
  case internal::SpanKind::Client:
    return "CLIENT";
  case internal::SpanKind::Producer:
    return "PRODUCER";
  case internal::SpanKind::Consumer:
    return "CONSUMER";
  }
  return "UNSPECIFIED";
}

// Microseconds with three decimals, from integer nanoseconds: no rounding through a double.
void append_us(std::string& out, std::uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
  out += buf;
}

struct Lane {
  std::int64_t tid = 0;
  std::vector<std::uint64_t> open_ends; // ends of the spans enclosing the next one
};

struct Group {
  std::uint32_t resource = 0;
  bool has_thread = false;
  std::int64_t thread = 0;
  std::uint32_t thread_name = 0; // string id, 0: none seen
  std::vector<std::uint32_t> spans;
};

void append_attrs(std::string& out, const TraceData& data, Range attrs, bool& first) {
  for (std::uint32_t a = attrs.begin; a < attrs.begin + attrs.count; ++a) {
    out += first ? "" : ",";
    first = false;
    json::append_string(out, data.str(data.attrs[a].key));
    out += ':';
    append_value_json(out, data, data.attrs[a].value);
  }
}

} // namespace

bool write_chrome_trace(const TraceData& data, std::FILE* out, Progress* progress) {
  // Events before their span (clock steps) would get a negative ts: the base covers them too.
  std::uint64_t base = std::numeric_limits<std::uint64_t>::max();
  for (const auto& s : data.spans) {
    base = std::min(base, s.start);
    for (std::uint32_t e = s.events.begin; e < s.events.begin + s.events.count; ++e)
      if (data.events[e].time != 0)
        base = std::min(base, data.events[e].time);
  }
  if (data.spans.empty())
    base = 0;

  // Group spans by (resource, thread.id); std::map keeps the output order stable.
  std::map<std::pair<std::uint32_t, std::pair<int, std::int64_t>>, Group> groups;
  for (std::uint32_t i = 0; i < data.spans.size(); ++i) {
    const SpanRec& s = data.spans[i];
    const AttrValue* tid = data.find_attr(s.attrs, "thread.id");
    bool has = tid != nullptr && tid->kind == ValueKind::Int;
    std::int64_t t = has ? tid->i : 0;
    Group& g = groups[{s.resource, {has ? 1 : 0, t}}];
    g.resource = s.resource;
    g.has_thread = has;
    g.thread = t;
    if (g.thread_name == 0)
      if (const AttrValue* name = data.find_attr(s.attrs, "thread.name");
          name != nullptr && name->kind == ValueKind::String)
        g.thread_name = name->s;
    g.spans.push_back(i);
  }

  BufferedWriter w(out, 4096);
  std::string& o = w.buf();
  o += "{\"traceEvents\":[\n";
  bool first_event = true;
  auto begin_event = [&] {
    o += first_event ? "" : ",\n";
    first_event = false;
  };

  // Process names: one pid per resource.
  for (std::uint32_t r = 0; r < data.resources.size(); ++r) {
    std::string name = data.service_name(r);
    if (const AttrValue* pid = data.find_attr(data.resources[r], "process.pid"))
      name += " (pid " + format_value(data, *pid) + ")";
    begin_event();
    o += "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":" + std::to_string(r + 1) +
         ",\"tid\":0,\"args\":{\"name\":";
    json::append_string(o, name);
    o += "}}";
    begin_event();
    o += "{\"name\":\"process_labels\",\"ph\":\"M\",\"pid\":" + std::to_string(r + 1) +
         ",\"tid\":0,\"args\":{\"labels\":";
    std::string labels;
    for (std::uint32_t a = data.resources[r].begin;
         a < data.resources[r].begin + data.resources[r].count; ++a) {
      if (!labels.empty())
        labels += ", ";
      labels += data.str(data.attrs[a].key) + "=" + format_value(data, data.attrs[a].value);
    }
    json::append_string(o, labels);
    o += "}}";
  }

  // Real thread ids per process, so overlap tracks get ids no real thread has.
  std::map<std::uint32_t, std::set<std::int64_t>> used_tids;
  for (const auto& entry : groups)
    used_tids[entry.second.resource].insert(entry.second.has_thread ? entry.second.thread : 0);
  std::map<std::uint32_t, std::int64_t> next_synthetic;

  std::uint64_t written = 0;
  if (progress != nullptr)
    progress->begin("writing chrome trace", data.spans.size(), false);

  for (auto& entry : groups) {
    Group& g = entry.second;
    std::sort(g.spans.begin(), g.spans.end(), [&](std::uint32_t a, std::uint32_t b) {
      const SpanRec& x = data.spans[a];
      const SpanRec& y = data.spans[b];
      if (x.start != y.start)
        return x.start < y.start;
      if (x.end != y.end)
        return x.end > y.end; // enclosing span first
      return a < b;
    });
    const std::string pid = std::to_string(g.resource + 1);
    std::vector<Lane> lanes;
    auto lane_name = [&](std::size_t lane) {
      std::string name = g.thread_name != 0 ? data.str(g.thread_name)
                         : g.has_thread     ? "thread " + std::to_string(g.thread)
                                            : "spans without thread.id";
      if (lane > 0)
        name += " (overlap " + std::to_string(lane) + ")";
      return name;
    };
    auto new_lane = [&] {
      Lane lane;
      if (lanes.empty()) {
        lane.tid = g.has_thread ? g.thread : 0;
      } else {
        std::int64_t& next = next_synthetic[g.resource];
        if (next == 0)
          next = std::int64_t{1} << 30;
        while (used_tids[g.resource].count(next) != 0)
          ++next;
        lane.tid = next++;
        used_tids[g.resource].insert(lane.tid);
      }
      lanes.push_back(lane);
      begin_event();
      o += "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":" + pid +
           ",\"tid\":" + std::to_string(lane.tid) + ",\"args\":{\"name\":";
      json::append_string(o, lane_name(lanes.size() - 1));
      o += "}}";
    };

    for (std::uint32_t si : g.spans) {
      const SpanRec& s = data.spans[si];
      // First lane where the span nests inside what is open there (or nothing is open).
      std::size_t lane = 0;
      for (;; ++lane) {
        if (lane == lanes.size())
          new_lane();
        auto& ends = lanes[lane].open_ends;
        while (!ends.empty() && ends.back() <= s.start)
          ends.pop_back();
        if (ends.empty() || ends.back() >= s.end)
          break;
      }
      lanes[lane].open_ends.push_back(s.end);
      const std::string tid = std::to_string(lanes[lane].tid);

      begin_event();
      o += "{\"name\":";
      json::append_string(o, data.str(s.name));
      o += ",\"cat\":\"span\",\"ph\":\"X\",\"ts\":";
      append_us(o, s.start - base);
      o += ",\"dur\":";
      append_us(o, s.duration());
      o += ",\"pid\":" + pid + ",\"tid\":" + tid;
      if (s.is_error())
        o += ",\"cname\":\"terrible\"";
      o += ",\"args\":{";
      bool first = true;
      append_attrs(o, data, s.attrs, first);
      o += first ? "" : ",";
      o += "\"otel.trace_id\":\"" + hex(s.trace_id) + "\",\"otel.span_id\":\"" + hex(s.span_id) +
           "\"";
      if (!is_zero(s.parent_id))
        o += ",\"otel.parent_span_id\":\"" + hex(s.parent_id) + "\"";
      o += ",\"otel.span_kind\":\"";
      o += kind_name(s.kind);
      o += '"';
      if (s.status != internal::StatusCode::Unset) {
        o += s.is_error() ? ",\"otel.status_code\":\"ERROR\"" : ",\"otel.status_code\":\"OK\"";
        if (s.status_message != 0) {
          o += ",\"otel.status_description\":";
          json::append_string(o, data.str(s.status_message));
        }
      }
      if (s.links.count != 0) {
        o += ",\"otel.links\":[";
        for (std::uint32_t l = 0; l < s.links.count; ++l) {
          const LinkRec& link = data.links[s.links.begin + l];
          o += l == 0 ? "\"" : ",\"";
          o += hex(link.trace_id) + "-" + hex(link.span_id) + "\"";
        }
        o += ']';
      }
      o += "}}";

      for (std::uint32_t e = s.events.begin; e < s.events.begin + s.events.count; ++e) {
        const EventRec& ev = data.events[e];
        begin_event();
        o += "{\"name\":";
        json::append_string(o, data.str(ev.name));
        o += data.str(ev.name) == "exception" ? ",\"cat\":\"exception\"" : ",\"cat\":\"event\"";
        o += ",\"ph\":\"i\",\"s\":\"t\",\"ts\":";
        append_us(o, (ev.time > base ? ev.time : base) - base);
        o += ",\"pid\":" + pid + ",\"tid\":" + tid + ",\"args\":{";
        bool first_arg = true;
        append_attrs(o, data, ev.attrs, first_arg);
        o += first_arg ? "" : ",";
        o += "\"otel.span_id\":\"" + hex(s.span_id) + "\"}}";
      }
      w.maybe_flush();
      if (progress != nullptr)
        progress->update(++written);
    }
  }
  o +=
      "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"source\":\"autospan\",\"base_unix_nano\":\"";
  o += std::to_string(base);
  o += "\",\"spans\":\"" + std::to_string(data.spans.size()) + "\"}}\n";
  w.flush();
  if (progress != nullptr)
    progress->finish();
  return w.ok() && std::fflush(out) == 0;
}

} // namespace autospan::cli
