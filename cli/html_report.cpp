#include "html_report.h"

#include "buffered_writer.h"
#include "json.h"
#include "report_assets.h"

#include "autospan/version.h"

#include <string_view>
#include <unordered_map>
#include <vector>

namespace autospan::cli {

namespace {

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

// Strings and attribute sets the page needs, renumbered densely.
class Tables {
public:
  explicit Tables(const TraceData& data) : data_(data), string_id_(data.strings.size(), -1) {}

  std::uint32_t string(std::uint32_t model_id) {
    std::int32_t& id = string_id_[model_id];
    if (id < 0) {
      id = static_cast<std::int32_t>(strings_.size());
      strings_.push_back(model_id);
    }
    return static_cast<std::uint32_t>(id);
  }

  // Auto spans of one call site on one thread carry identical attributes: store each list once.
  std::uint32_t attr_set(Range range) {
    scratch_.clear();
    scratch_ += '[';
    for (std::uint32_t a = range.begin; a < range.begin + range.count; ++a) {
      if (a != range.begin)
        scratch_ += ',';
      scratch_ += std::to_string(string(data_.attrs[a].key));
      scratch_ += ',';
      append_value_json(scratch_, data_, data_.attrs[a].value, true);
    }
    scratch_ += ']';
    auto [it, inserted] = attr_set_id_.emplace(scratch_, attr_sets_.size());
    if (inserted)
      attr_sets_.push_back(&it->first);
    return static_cast<std::uint32_t>(it->second);
  }

  void write_strings(std::string& out) const {
    out += '[';
    for (std::size_t i = 0; i < strings_.size(); ++i) {
      if (i != 0)
        out += ',';
      json::append_string(out, data_.str(strings_[i]), true);
    }
    out += ']';
  }
  void write_attr_sets(std::string& out) const {
    out += '[';
    for (std::size_t i = 0; i < attr_sets_.size(); ++i) {
      if (i != 0)
        out += ',';
      out += *attr_sets_[i];
    }
    out += ']';
  }

private:
  const TraceData& data_;
  std::vector<std::int32_t> string_id_;
  std::vector<std::uint32_t> strings_;
  std::unordered_map<std::string, std::size_t> attr_set_id_;
  std::vector<const std::string*> attr_sets_; // keys of attr_set_id_ (node-stable)
  std::string scratch_;
};

template <class F> void write_column(std::string& out, const char* name, std::size_t n, F value) {
  out += '"';
  out += name;
  out += "\":[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0)
      out += ',';
    out += value(i);
  }
  out += ']';
}

// The JSON block the page reads; see report.js ("data") for the decoding side.
void write_data(std::string& out, const TraceData& data, const Forest& forest,
                const HtmlOptions& options, Progress* progress) {
  const std::size_t n = data.spans.size();
  // Page order: traces by start time, each trace's spans by start time.
  std::vector<std::uint32_t> order;
  order.reserve(n);
  std::vector<std::uint32_t> pos_of(n);
  for (const auto& t : forest.traces)
    for (std::uint32_t k = t.first; k < t.first + t.count; ++k) {
      pos_of[forest.order[k]] = static_cast<std::uint32_t>(order.size());
      order.push_back(forest.order[k]);
    }

  Tables tables(data);
  std::vector<std::uint32_t> names(n), attrs(n);
  if (progress != nullptr)
    progress->begin("building report", n, false);
  for (std::size_t p = 0; p < n; ++p) {
    const SpanRec& s = data.spans[order[p]];
    names[p] = tables.string(s.name);
    attrs[p] = tables.attr_set(s.attrs);
    if (progress != nullptr)
      progress->update(p);
  }
  if (progress != nullptr)
    progress->finish();

  std::string tail; // sparse tables, built before the string table is written
  tail += ",\"statusMessages\":[";
  bool first = true;
  for (std::size_t p = 0; p < n; ++p) {
    const SpanRec& s = data.spans[order[p]];
    if (s.status_message == 0)
      continue;
    tail += first ? "[" : ",[";
    first = false;
    tail += std::to_string(p) + "," + std::to_string(tables.string(s.status_message)) + "]";
  }
  tail += "],\"events\":[";
  first = true;
  for (std::size_t p = 0; p < n; ++p) {
    const SpanRec& s = data.spans[order[p]];
    for (std::uint32_t e = s.events.begin; e < s.events.begin + s.events.count; ++e) {
      const EventRec& ev = data.events[e];
      tail += first ? "[" : ",[";
      first = false;
      // Offset from the span's start; an event logged before it (clock step) shows at +0.
      std::uint64_t offset = ev.time > s.start ? ev.time - s.start : 0;
      tail += std::to_string(p) + "," + std::to_string(tables.string(ev.name)) + "," +
              std::to_string(offset) + "," + std::to_string(tables.attr_set(ev.attrs)) + "]";
    }
  }
  tail += "],\"links\":[";
  first = true;
  for (std::size_t p = 0; p < n; ++p) {
    const SpanRec& s = data.spans[order[p]];
    for (std::uint32_t l = s.links.begin; l < s.links.begin + s.links.count; ++l) {
      const LinkRec& link = data.links[l];
      tail += first ? "[" : ",[";
      first = false;
      tail += std::to_string(p) + ",\"" + hex(link.trace_id) + "\",\"" + hex(link.span_id) + "\"," +
              std::to_string(tables.attr_set(link.attrs)) + "]";
    }
  }
  tail += "]";
  std::vector<std::uint32_t> resource_sets;
  for (const auto& r : data.resources)
    resource_sets.push_back(tables.attr_set(r));
  std::vector<std::pair<std::uint32_t, std::uint32_t>> scope_names;
  for (const auto& sc : data.scopes)
    scope_names.emplace_back(tables.string(sc.name), tables.string(sc.version));
  std::vector<std::uint32_t> trace_roots;
  for (const auto& t : forest.traces)
    trace_roots.push_back(pos_of[t.root]);

  out += "{\"version\":1,\"generator\":";
  json::append_string(out, std::string("autospan ") + AUTOSPAN_VERSION_STRING, true);
  out += ",\"title\":";
  json::append_string(out, options.title, true);
  out += ",\"strings\":";
  tables.write_strings(out);
  out += ",\"attrSets\":";
  tables.write_attr_sets(out);
  out += ",\n";
  write_column(out, "resources", resource_sets.size(),
               [&](std::size_t i) { return std::to_string(resource_sets[i]); });
  out += ",\"scopes\":[";
  for (std::size_t i = 0; i < scope_names.size(); ++i) {
    out += i == 0 ? "[" : ",[";
    out += std::to_string(scope_names[i].first) + "," + std::to_string(scope_names[i].second) + "]";
  }
  out += "],\n\"traces\":{\"ids\":\"";
  for (const auto& t : forest.traces)
    out += hex(data.spans[t.root].trace_id);
  out += "\",";
  const auto& traces = forest.traces;
  write_column(out, "start", traces.size(),
               [&](std::size_t i) { return "\"" + std::to_string(traces[i].start) + "\""; });
  out += ',';
  write_column(out, "dur", traces.size(), [&](std::size_t i) {
    return std::to_string(traces[i].end > traces[i].start ? traces[i].end - traces[i].start : 0);
  });
  out += ',';
  std::vector<std::uint32_t> firsts;
  std::uint32_t at = 0;
  for (const auto& t : traces) {
    firsts.push_back(at);
    at += t.count;
  }
  write_column(out, "first", traces.size(),
               [&](std::size_t i) { return std::to_string(firsts[i]); });
  out += ',';
  write_column(out, "count", traces.size(),
               [&](std::size_t i) { return std::to_string(traces[i].count); });
  out += ',';
  write_column(out, "errors", traces.size(),
               [&](std::size_t i) { return std::to_string(traces[i].errors); });
  out += ',';
  write_column(out, "root", traces.size(),
               [&](std::size_t i) { return std::to_string(trace_roots[i]); });
  out += "},\n\"spans\":{\"ids\":\"";
  for (std::size_t p = 0; p < n; ++p)
    out += hex(data.spans[order[p]].span_id);
  out += "\",\n";
  write_column(out, "name", n, [&](std::size_t p) { return std::to_string(names[p]); });
  out += ",\n";
  // Parent as a backwards distance (0: root) and start as the delta from the previous span of
  // the trace: both stay short numbers in the text.
  write_column(out, "parent", n, [&](std::size_t p) {
    std::int32_t parent = forest.parent[order[p]];
    if (parent < 0)
      return std::string("0");
    return std::to_string(static_cast<std::int64_t>(p) -
                          static_cast<std::int64_t>(pos_of[static_cast<std::uint32_t>(parent)]));
  });
  out += ",\n";
  {
    std::vector<std::uint64_t> start_delta(n);
    for (std::size_t t = 0; t < traces.size(); ++t) {
      std::uint64_t prev = traces[t].start;
      for (std::uint32_t p = firsts[t]; p < firsts[t] + traces[t].count; ++p) {
        std::uint64_t s = data.spans[order[p]].start;
        start_delta[p] = s - prev;
        prev = s;
      }
    }
    write_column(out, "start", n, [&](std::size_t p) { return std::to_string(start_delta[p]); });
  }
  out += ",\n";
  write_column(out, "dur", n,
               [&](std::size_t p) { return std::to_string(data.spans[order[p]].duration()); });
  out += ",\n";
  write_column(out, "flags", n, [&](std::size_t p) {
    const SpanRec& s = data.spans[order[p]];
    unsigned flags = static_cast<unsigned>(s.kind) | (static_cast<unsigned>(s.status) << 3);
    if (!is_zero(s.parent_id) && forest.parent[order[p]] < 0)
      flags |= 32; // its parent is not in the input
    return std::to_string(flags);
  });
  out += ",\n";
  write_column(out, "attrs", n, [&](std::size_t p) { return std::to_string(attrs[p]); });
  out += ",\n";
  write_column(out, "res", n,
               [&](std::size_t p) { return std::to_string(data.spans[order[p]].resource); });
  if (data.scopes.size() > 1) {
    out += ",\n";
    write_column(out, "scope", n,
                 [&](std::size_t p) { return std::to_string(data.spans[order[p]].scope); });
  }
  out += "}";
  out += tail;
  out += "}";
}

} // namespace

bool write_html_report(const TraceData& data, const Forest& forest, std::FILE* out,
                       const HtmlOptions& options, Progress* progress) {
  BufferedWriter w(out, 65536);
  std::string_view html = assets::report_html();
  // The template's markers are @NAME@; other '@' pass through.
  const std::string title = html_escape(options.title);
  const std::string generator = std::string("autospan ") + AUTOSPAN_VERSION_STRING;
  std::size_t pos = 0;
  for (;;) {
    std::size_t at = html.find('@', pos);
    if (at == std::string_view::npos) {
      w.buf().append(html.substr(pos));
      break;
    }
    std::size_t end = html.find('@', at + 1);
    std::string_view marker =
        end == std::string_view::npos ? std::string_view() : html.substr(at + 1, end - at - 1);
    w.buf().append(html.substr(pos, at - pos));
    if (marker == "TITLE") {
      w.buf() += title;
    } else if (marker == "GENERATOR") {
      w.buf() += generator;
    } else if (marker == "CSS") {
      w.buf().append(assets::report_css());
    } else if (marker == "JS") {
      w.buf().append(assets::report_js());
    } else if (marker == "DATA") {
      write_data(w.buf(), data, forest, options, progress);
    } else {
      w.buf() += '@'; // not a marker
      pos = at + 1;
      continue;
    }
    pos = end + 1;
    w.maybe_flush();
  }
  w.flush();
  return w.ok() && std::fflush(out) == 0;
}

} // namespace autospan::cli
