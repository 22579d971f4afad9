#include "tree_render.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <string_view>
#include <unordered_map>

namespace autospan::internal {
namespace {

constexpr const char* kDim = "\x1b[2m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kRed = "\x1b[1;31m";
constexpr const char* kReset = "\x1b[0m";

std::uint64_t id_key(const SpanId& id) {
  std::uint64_t k = 0;
  std::memcpy(&k, id.data(), sizeof k);
  return k;
}

bool is_zero(const SpanId& id) {
  return id_key(id) == 0;
}

std::uint64_t duration_of(const SpanData& s) {
  return s.end_unix_nano > s.start_unix_nano ? s.end_unix_nano - s.start_unix_nano : 0;
}

void append_sanitized(std::string& out, std::string_view s, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xc0) != 0x80 && chars++ == max_chars) { // count code points, cut at a boundary
      out += "\xe2\x80\xa6";                          // …
      return;
    }
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
}

struct Node {
  const SpanData* span = nullptr;
  std::vector<Node*> children;
  bool interesting = false; // error or exception in this subtree
  bool visited = false;
};

bool has_exception_event(const SpanData& s) {
  for (const Event& e : s.events)
    if (e.name == "exception")
      return true;
  return false;
}

// Merged same-named subtrees below a collapsed line.
struct Aggregate {
  std::string_view name;
  std::size_t count = 0;
  std::uint64_t total_ns = 0;
  std::vector<Aggregate> children;
};

void merge_into(std::vector<Aggregate>& into, const std::vector<Node*>& nodes, std::size_t depth,
                std::size_t max_depth) {
  if (depth >= max_depth)
    return;
  for (const Node* n : nodes) {
    auto it = std::find_if(into.begin(), into.end(),
                           [&](const Aggregate& a) { return a.name == n->span->name; });
    if (it == into.end()) {
      into.push_back(Aggregate{n->span->name, 0, 0, {}});
      it = into.end() - 1;
    }
    it->count++;
    it->total_ns += duration_of(*n->span);
    merge_into(it->children, n->children, depth + 1, max_depth);
  }
}

class Renderer {
public:
  Renderer(const TreeRenderOptions& options, std::string& out) : o_(options), out_(out) {}

  void trace(std::vector<Node>& nodes) {
    std::unordered_map<std::uint64_t, Node*> by_id;
    by_id.reserve(nodes.size());
    for (Node& n : nodes)
      by_id.emplace(id_key(n.span->span_id), &n);
    std::vector<Node*> roots;
    bool partial = false;
    const SpanData* remote_child = nullptr;
    for (Node& n : nodes) {
      const SpanData& s = *n.span;
      auto parent = is_zero(s.parent_span_id) ? by_id.end() : by_id.find(id_key(s.parent_span_id));
      if (parent != by_id.end() && parent->second != &n) {
        parent->second->children.push_back(&n);
        continue;
      }
      roots.push_back(&n);
      if (!is_zero(s.parent_span_id)) {
        if (s.parent_is_remote)
          remote_child = remote_child != nullptr ? remote_child : &s;
        else
          partial = true;
      }
    }
    // Ties keep arrival order (nodes is one vector, so addresses follow it).
    auto by_start = [](const Node* a, const Node* b) {
      if (a->span->start_unix_nano != b->span->start_unix_nano)
        return a->span->start_unix_nano < b->span->start_unix_nano;
      return a < b;
    };
    for (Node& n : nodes)
      std::sort(n.children.begin(), n.children.end(), by_start);
    std::sort(roots.begin(), roots.end(), by_start);
    mark_interesting(roots);

    std::uint64_t first = UINT64_MAX, last = 0;
    for (const Node& n : nodes) {
      first = std::min(first, n.span->start_unix_nano);
      last = std::max(last, n.span->end_unix_nano);
    }
    if (o_.color)
      out_ += kBold;
    out_ += "trace ";
    out_ += to_hex(nodes.front().span->trace_id);
    if (o_.color)
      out_ += kReset;
    out_ += "  ";
    out_ += std::to_string(nodes.size());
    out_ += nodes.size() == 1 ? " span  " : " spans  ";
    out_ += format_duration(last > first ? last - first : 0);
    if (remote_child != nullptr) {
      out_ += "  (continues remote parent ";
      out_ += to_hex(remote_child->parent_span_id);
      out_ += ')';
    }
    if (partial)
      out_ += "  (partial: some parents not received)";
    out_ += '\n';
    for (Node* r : roots)
      node(*r, "", true, 0, true);
    // Spans on a parent cycle (only possible in malformed input) were not reached: show them too.
    for (Node& n : nodes)
      if (!n.visited)
        node(n, "", true, 0, true);
  }

private:
  // Post-order without recursion: traces can be arbitrarily deep.
  static void mark_interesting(const std::vector<Node*>& roots) {
    std::vector<std::pair<Node*, bool>> stack;
    for (Node* r : roots)
      stack.emplace_back(r, false);
    while (!stack.empty()) {
      auto [n, expanded] = stack.back();
      stack.pop_back();
      if (!expanded) {
        stack.emplace_back(n, true);
        for (Node* c : n->children)
          stack.emplace_back(c, false);
        continue;
      }
      n->interesting = n->span->status == StatusCode::Error || has_exception_event(*n->span);
      for (Node* c : n->children)
        n->interesting = n->interesting || c->interesting;
    }
  }

  void duration(std::uint64_t ns) {
    if (o_.color)
      out_ += kDim;
    out_ += format_duration(ns);
    if (o_.color)
      out_ += kReset;
  }

  void value(const AttributeValue& v) {
    char buf[64];
    switch (v.index()) {
    case 0:
      out_ += std::get<bool>(v) ? "true" : "false";
      break;
    case 1:
      out_ += std::to_string(std::get<std::int64_t>(v));
      break;
    case 2:
      std::snprintf(buf, sizeof buf, "%g", std::get<double>(v));
      out_ += buf;
      break;
    case 3: {
      const std::string& s = std::get<std::string>(v);
      bool quote = s.empty() || s.find_first_of(" \t\"=") != std::string::npos;
      if (quote)
        out_ += '"';
      append_sanitized(out_, s, o_.max_value_chars);
      if (quote)
        out_ += '"';
      break;
    }
    default: {
      std::string joined;
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (!std::is_same_v<T, bool> && !std::is_same_v<T, std::int64_t> &&
                          !std::is_same_v<T, double> && !std::is_same_v<T, std::string>) {
              for (std::size_t i = 0; i < x.size(); ++i) {
                if (i != 0)
                  joined += ", ";
                using E = typename T::value_type;
                if constexpr (std::is_same_v<E, std::string>)
                  joined += x[i];
                else if constexpr (std::is_same_v<E, bool>)
                  joined += x[i] ? "true" : "false";
                else if constexpr (std::is_same_v<E, double>) {
                  std::snprintf(buf, sizeof buf, "%g", x[i]);
                  joined += buf;
                } else
                  joined += std::to_string(x[i]);
              }
            }
          },
          v);
      out_ += '[';
      append_sanitized(out_, joined, o_.max_value_chars);
      out_ += ']';
    }
    }
  }

  static bool hidden_key(const std::string& key) {
    return key.compare(0, 5, "code.") == 0 || key == "thread.id" || key == "thread.name";
  }

  void label(const SpanData& s) {
    append_sanitized(out_, s.name, 200);
    out_ += "  ";
    duration(duration_of(s));
    std::size_t shown = 0, hidden = 0;
    for (const Attribute& a : s.attributes) {
      if (hidden_key(a.key))
        continue;
      if (shown == o_.max_attributes) {
        ++hidden;
        continue;
      }
      ++shown;
      out_ += "  ";
      append_sanitized(out_, a.key, 100);
      out_ += '=';
      value(a.value);
    }
    if (hidden != 0)
      out_ += "  (+" + std::to_string(hidden) + " more)";
    const Event* exception = nullptr;
    for (const Event& e : s.events)
      if (e.name == "exception")
        exception = &e;
    if (s.status != StatusCode::Error && exception == nullptr)
      return;
    out_ += "  ";
    if (o_.color)
      out_ += kRed;
    out_ += s.status == StatusCode::Error ? "ERROR" : "exception";
    std::string detail;
    if (exception != nullptr) {
      for (const Attribute& a : exception->attributes)
        if (a.key == "exception.type" && a.value.index() == 3)
          detail = std::get<std::string>(a.value);
      for (const Attribute& a : exception->attributes)
        if (a.key == "exception.message" && a.value.index() == 3)
          detail += (detail.empty() ? "" : ": ") + std::get<std::string>(a.value);
    }
    if (detail.empty())
      detail = s.status_message;
    if (!detail.empty()) {
      out_ += ' ';
      append_sanitized(out_, detail, 200);
    }
    if (o_.color)
      out_ += kReset;
  }

  void line_start(const std::string& prefix, bool last, bool top) {
    out_ += prefix;
    if (!top)
      out_ += last ? "\xe2\x94\x94\xe2\x94\x80 " : "\xe2\x94\x9c\xe2\x94\x80 "; // └─ / ├─
  }
  static std::string child_prefix(const std::string& prefix, bool last, bool top) {
    if (top)
      return prefix;
    return prefix + (last ? "   " : "\xe2\x94\x82  "); // │
  }

  void node(Node& n, const std::string& prefix, bool last, std::size_t depth, bool top) {
    n.visited = true;
    line_start(prefix, last, top);
    label(*n.span);
    out_ += '\n';
    std::string next = child_prefix(prefix, last, top);
    if (n.children.empty())
      return;
    if (depth + 1 >= o_.max_depth) {
      std::size_t below = count_below(n);
      line_start(next, true, false);
      out_ += "… " + std::to_string(below) + " more spans below (depth limit)\n";
      return;
    }
    children(n.children, next, depth + 1);
  }

  static std::size_t count_below(Node& n) {
    std::size_t count = 0;
    std::vector<Node*> stack(n.children.begin(), n.children.end());
    while (!stack.empty()) {
      Node* c = stack.back();
      stack.pop_back();
      c->visited = true;
      ++count;
      stack.insert(stack.end(), c->children.begin(), c->children.end());
    }
    return count;
  }

  struct Item {
    Node* single = nullptr;
    std::vector<Node*>* group = nullptr;
  };

  void children(std::vector<Node*>& kids, const std::string& prefix, std::size_t depth) {
    std::map<std::string_view, std::vector<Node*>> groups;
    bool collapse = o_.collapse_threshold > 1;
    if (collapse)
      for (Node* k : kids)
        if (!k->interesting)
          groups[k->span->name].push_back(k);
    std::vector<Item> items;
    for (Node* k : kids) {
      if (collapse && !k->interesting) {
        auto& g = groups[k->span->name];
        if (g.size() >= o_.collapse_threshold) {
          if (g.front() == k)
            items.push_back(Item{nullptr, &g});
          continue;
        }
      }
      items.push_back(Item{k, nullptr});
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      bool last = i + 1 == items.size();
      if (items[i].single != nullptr) {
        node(*items[i].single, prefix, last, depth, false);
        continue;
      }
      std::vector<Node*>& g = *items[i].group;
      Aggregate agg{g.front()->span->name, 0, 0, {}};
      for (Node* m : g) {
        agg.count++;
        agg.total_ns += duration_of(*m->span);
        m->visited = true;
        count_below(*m);
      }
      std::vector<Node*> grandchildren;
      for (Node* m : g)
        grandchildren.insert(grandchildren.end(), m->children.begin(), m->children.end());
      merge_into(agg.children, grandchildren, depth + 1, o_.max_depth);
      aggregate(agg, prefix, last);
    }
  }

  void aggregate(const Aggregate& a, const std::string& prefix, bool last) {
    line_start(prefix, last, false);
    append_sanitized(out_, a.name, 200);
    if (a.count == 1) {
      out_ += "  ";
      duration(a.total_ns);
    } else {
      out_ += " \xc3\x97 " + std::to_string(a.count) + ", total "; // ×
      duration(a.total_ns);
    }
    out_ += '\n';
    std::string next = child_prefix(prefix, last, false);
    for (std::size_t i = 0; i < a.children.size(); ++i)
      aggregate(a.children[i], next, i + 1 == a.children.size());
  }

  const TreeRenderOptions& o_;
  std::string& out_;
};

} // namespace

std::string format_duration(std::uint64_t ns) {
  static const char* const kUnits[] = {"ns", "\xc2\xb5s", "ms", "s"};
  if (ns < 1000)
    return std::to_string(ns) + " ns";
  double v = static_cast<double>(ns);
  int unit = 0;
  while (unit < 3 && v >= 999.5) {
    v /= 1000.0;
    ++unit;
  }
  char buf[48];
  if (v < 9.995)
    std::snprintf(buf, sizeof buf, "%.2f %s", v, kUnits[unit]);
  else if (v < 99.95)
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  else
    std::snprintf(buf, sizeof buf, "%.0f %s", v, kUnits[unit]);
  return buf;
}

std::string render_tree(const std::vector<const SpanData*>& spans,
                        const TreeRenderOptions& options) {
  // Group by trace, traces ordered by their earliest start.
  std::map<TraceId, std::vector<Node>> traces;
  for (const SpanData* s : spans)
    if (s != nullptr)
      traces[s->trace_id].push_back(Node{s, {}, false, false});
  // (earliest start, position in trace id order): equal starts keep trace id order.
  std::vector<std::vector<Node>*> by_id;
  std::vector<std::pair<std::uint64_t, std::size_t>> order;
  for (auto& t : traces) {
    std::uint64_t first = UINT64_MAX;
    for (const Node& n : t.second)
      first = std::min(first, n.span->start_unix_nano);
    order.emplace_back(first, by_id.size());
    by_id.push_back(&t.second);
  }
  std::sort(order.begin(), order.end());
  std::string out;
  Renderer r(options, out);
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i != 0)
      out += '\n';
    r.trace(*by_id[order[i].second]);
  }
  return out;
}

std::string render_tree(const std::vector<SpanData>& spans, const TreeRenderOptions& options) {
  std::vector<const SpanData*> ptrs;
  ptrs.reserve(spans.size());
  for (const SpanData& s : spans)
    ptrs.push_back(&s);
  return render_tree(ptrs, options);
}

} // namespace autospan::internal
