#include "otlp_json.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <sys/stat.h>

namespace autospan::cli {

namespace {

// Where in the request we are, rendered only when something is wrong.
class JsonPath {
public:
  struct Frame {
    const char* name;
    long index; // -1: a member, not an array element
  };
  void push(const char* name, long index = -1) { frames_.push_back({name, index}); }
  void pop() { frames_.pop_back(); }
  std::string str() const {
    std::string out;
    for (const auto& f : frames_) {
      if (!out.empty())
        out += '.';
      out += f.name;
      if (f.index >= 0) {
        out += '[';
        out += std::to_string(f.index);
        out += ']';
      }
    }
    return out;
  }

private:
  std::vector<Frame> frames_;
};

class Scoped {
public:
  Scoped(JsonPath& path, const char* name, long index = -1) : path_(path) {
    path_.push(name, index);
  }
  ~Scoped() { path_.pop(); }
  Scoped(const Scoped&) = delete;
  Scoped& operator=(const Scoped&) = delete;

private:
  JsonPath& path_;
};

class Decoder {
public:
  explicit Decoder(TraceData& data) : data_(data) {}

  void request(const json::Value& v) {
    if (!v.is_object())
      fail(std::string("expected an ExportTraceServiceRequest object, found ") +
           json::type_name(v.type));
    const json::Value* rs = array_member(v, "resourceSpans");
    if (rs == nullptr)
      return; // an empty request is valid
    for (std::size_t i = 0; i < rs->items.size(); ++i) {
      Scoped at(path_, "resourceSpans", static_cast<long>(i));
      resource_spans(rs->items[i]);
    }
  }

private:
  [[noreturn]] void fail(const std::string& message) const {
    std::string where = path_.str();
    throw DecodeError(where.empty() ? message : where + ": " + message);
  }

  void expect_object(const json::Value& v) const {
    if (!v.is_object())
      fail(std::string("expected an object, found ") + json::type_name(v.type));
  }

  // A member that must be an array when present (null counts as absent).
  const json::Value* array_member(const json::Value& obj, const char* key) {
    const json::Value* m = obj.find(key);
    if (m == nullptr || m->is_null())
      return nullptr;
    if (!m->is_array()) {
      Scoped at(path_, key);
      fail(std::string("expected an array, found ") + json::type_name(m->type));
    }
    return m;
  }

  std::string_view string_member(const json::Value& obj, const char* key) {
    const json::Value* m = obj.find(key);
    if (m == nullptr || m->is_null())
      return {};
    if (!m->is_string()) {
      Scoped at(path_, key);
      fail(std::string("expected a string, found ") + json::type_name(m->type));
    }
    return m->text;
  }

  // 64-bit unsigned: the mapping writes a decimal string; numbers are accepted too.
  std::uint64_t u64_member(const json::Value& obj, const char* key) {
    const json::Value* m = obj.find(key);
    if (m == nullptr || m->is_null())
      return 0;
    Scoped at(path_, key);
    if (!m->is_string() && !m->is_number())
      fail(std::string("expected a decimal string, found ") + json::type_name(m->type));
    const std::string& t = m->text;
    if (t.empty() || t.size() > 20)
      fail("expected an unsigned 64-bit integer, found \"" + t + "\"");
    std::uint64_t value = 0;
    for (char c : t) {
      if (c < '0' || c > '9')
        fail("expected an unsigned 64-bit integer, found \"" + t + "\"");
      auto d = static_cast<std::uint64_t>(c - '0');
      if (value > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
        fail("integer out of range: " + t);
      value = value * 10 + d;
    }
    return value;
  }

  std::int64_t i64(const json::Value& m) {
    if (!m.is_string() && !m.is_number())
      fail(std::string("expected an integer, found ") + json::type_name(m.type));
    const std::string& t = m.text;
    std::size_t i = 0;
    bool negative = false;
    if (!t.empty() && t[0] == '-') {
      negative = true;
      i = 1;
    }
    if (i == t.size())
      fail("expected an integer, found \"" + t + "\"");
    std::uint64_t mag = 0;
    const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
    for (; i < t.size(); ++i) {
      char c = t[i];
      if (c < '0' || c > '9')
        fail("expected an integer, found \"" + t + "\"");
      auto d = static_cast<std::uint64_t>(c - '0');
      if (mag > (limit - d) / 10)
        fail("integer out of the 64-bit range: " + t);
      mag = mag * 10 + d;
    }
    if (!negative)
      return static_cast<std::int64_t>(mag);
    return mag == (std::uint64_t{1} << 63) ? std::numeric_limits<std::int64_t>::min()
                                           : -static_cast<std::int64_t>(mag);
  }

  double f64(const json::Value& m) {
    if (m.is_string()) {
      // proto3 JSON spells the non-finite values as strings.
      if (m.text == "NaN")
        return std::numeric_limits<double>::quiet_NaN();
      if (m.text == "Infinity")
        return std::numeric_limits<double>::infinity();
      if (m.text == "-Infinity")
        return -std::numeric_limits<double>::infinity();
    }
    if (!m.is_number() && !m.is_string())
      fail(std::string("expected a number, found ") + json::type_name(m.type));
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(m.text.c_str(), &end);
    if (m.text.empty() || *end != '\0')
      fail("expected a number, found \"" + m.text + "\"");
    return d;
  }

  template <std::size_t N>
  void hex_id(const json::Value& obj, const char* key, std::array<std::uint8_t, N>& out,
              bool required) {
    out.fill(0);
    std::string_view s = string_member(obj, key);
    if (s.empty()) {
      if (required) {
        Scoped at(path_, key);
        fail("missing");
      }
      return;
    }
    if (s.size() != 2 * N) {
      Scoped at(path_, key);
      fail("expected " + std::to_string(2 * N) + " hex digits, found \"" + std::string(s) + "\"");
    }
    if (!internal::decode_hex_id(s, out.data(), N)) {
      Scoped at(path_, key);
      fail("expected hex digits, found \"" + std::string(s) + "\"");
    }
  }

  // An AnyValue as plain JSON (for arrays and kvlists, which the model keeps as text).
  void any_value_json(const json::Value& v, std::string& out, int depth) {
    if (depth > 32)
      fail("AnyValue nested too deeply");
    expect_object(v);
    if (v.members.empty()) {
      out += "null";
      return;
    }
    const auto& [key, value] = v.members.front();
    if (key == "stringValue" || key == "bytesValue") {
      if (!value.is_string())
        fail(key + ": expected a string");
      json::append_string(out, value.text);
    } else if (key == "boolValue") {
      if (value.type != json::Type::Bool)
        fail("boolValue: expected true or false");
      out += value.boolean ? "true" : "false";
    } else if (key == "intValue") {
      Scoped at(path_, "intValue");
      AttrValue a;
      a.kind = ValueKind::Int;
      a.i = i64(value);
      append_value_json(out, data_, a);
    } else if (key == "doubleValue") {
      Scoped at(path_, "doubleValue");
      AttrValue a;
      a.kind = ValueKind::Double;
      a.d = f64(value);
      append_value_json(out, data_, a);
    } else if (key == "arrayValue") {
      Scoped at(path_, "arrayValue");
      expect_object(value);
      const json::Value* values = array_member(value, "values");
      out += '[';
      if (values != nullptr) {
        for (std::size_t i = 0; i < values->items.size(); ++i) {
          Scoped item(path_, "values", static_cast<long>(i));
          if (i != 0)
            out += ',';
          any_value_json(values->items[i], out, depth + 1);
        }
      }
      out += ']';
    } else if (key == "kvlistValue") {
      Scoped at(path_, "kvlistValue");
      expect_object(value);
      const json::Value* values = array_member(value, "values");
      out += '{';
      if (values != nullptr) {
        for (std::size_t i = 0; i < values->items.size(); ++i) {
          Scoped item(path_, "values", static_cast<long>(i));
          const json::Value& kv = values->items[i];
          expect_object(kv);
          if (i != 0)
            out += ',';
          json::append_string(out, string_member(kv, "key"));
          out += ':';
          const json::Value* inner = kv.find("value");
          if (inner == nullptr || inner->is_null())
            out += "null";
          else
            any_value_json(*inner, out, depth + 1);
        }
      }
      out += '}';
    } else {
      fail("unknown AnyValue field \"" + key + "\"");
    }
  }

  AttrValue any_value(const json::Value* v) {
    AttrValue out;
    out.kind = ValueKind::String;
    out.s = 0;
    if (v == nullptr || v->is_null())
      return out;
    Scoped at(path_, "value");
    expect_object(*v);
    if (v->members.empty())
      return out;
    const auto& [key, value] = v->members.front();
    if (key == "stringValue") {
      if (!value.is_string())
        fail("stringValue: expected a string");
      out.s = data_.strings.intern(value.text);
    } else if (key == "boolValue") {
      if (value.type != json::Type::Bool)
        fail("boolValue: expected true or false");
      out.kind = ValueKind::Bool;
      out.b = value.boolean;
    } else if (key == "intValue") {
      Scoped in(path_, "intValue");
      out.kind = ValueKind::Int;
      out.i = i64(value);
    } else if (key == "doubleValue") {
      Scoped in(path_, "doubleValue");
      out.kind = ValueKind::Double;
      out.d = f64(value);
    } else {
      std::string text;
      any_value_json(*v, text, 0);
      out.kind = ValueKind::Json;
      out.s = data_.strings.intern(text);
    }
    return out;
  }

  void key_values(const json::Value& obj, const char* member, std::vector<Attr>& out) {
    const json::Value* list = array_member(obj, member);
    if (list == nullptr)
      return;
    for (std::size_t i = 0; i < list->items.size(); ++i) {
      Scoped at(path_, member, static_cast<long>(i));
      const json::Value& kv = list->items[i];
      expect_object(kv);
      Attr a;
      a.key = data_.strings.intern(string_member(kv, "key"));
      a.value = any_value(kv.find("value"));
      out.push_back(a);
    }
  }

  Range attributes(const json::Value& obj) {
    scratch_.clear();
    key_values(obj, "attributes", scratch_);
    Range r{static_cast<std::uint32_t>(data_.attrs.size()),
            static_cast<std::uint32_t>(scratch_.size())};
    data_.attrs.insert(data_.attrs.end(), scratch_.begin(), scratch_.end());
    return r;
  }

  // Enums: numbers in the mapping; receivers also accept the enum value names.
  int enum_member(const json::Value& obj, const char* key, const char* const* names, int count) {
    const json::Value* m = obj.find(key);
    if (m == nullptr || m->is_null())
      return 0;
    Scoped at(path_, key);
    if (m->is_number()) {
      std::int64_t v = i64(*m);
      if (v < 0 || v >= count)
        fail("unknown value " + m->text);
      return static_cast<int>(v);
    }
    if (m->is_string())
      for (int i = 0; i < count; ++i)
        if (m->text == names[i])
          return i;
    fail("unknown value " + (m->is_string() ? "\"" + m->text + "\"" : json::type_name(m->type)));
  }

  void resource_spans(const json::Value& v) {
    expect_object(v);
    std::vector<Attr> resource_attrs;
    if (const json::Value* res = v.find("resource"); res != nullptr && !res->is_null()) {
      Scoped at(path_, "resource");
      expect_object(*res);
      key_values(*res, "attributes", resource_attrs);
    }
    std::uint32_t resource = data_.intern_resource(resource_attrs);
    // "instrumentationLibrarySpans" is the pre-1.0 name some old files still carry.
    const char* scope_key = v.find("scopeSpans") != nullptr ? "scopeSpans"
                            : v.find("instrumentationLibrarySpans") != nullptr
                                ? "instrumentationLibrarySpans"
                                : "scopeSpans";
    const json::Value* ss = array_member(v, scope_key);
    if (ss == nullptr)
      return;
    for (std::size_t i = 0; i < ss->items.size(); ++i) {
      Scoped at(path_, scope_key, static_cast<long>(i));
      scope_spans(ss->items[i], resource);
    }
  }

  void scope_spans(const json::Value& v, std::uint32_t resource) {
    expect_object(v);
    std::string_view name;
    std::string_view version;
    const json::Value* scope = v.find("scope");
    if (scope == nullptr)
      scope = v.find("instrumentationLibrary");
    if (scope != nullptr && !scope->is_null()) {
      Scoped at(path_, "scope");
      expect_object(*scope);
      name = string_member(*scope, "name");
      version = string_member(*scope, "version");
    }
    std::uint32_t scope_id = data_.intern_scope(name, version);
    const json::Value* spans = array_member(v, "spans");
    if (spans == nullptr)
      return;
    for (std::size_t i = 0; i < spans->items.size(); ++i) {
      Scoped at(path_, "spans", static_cast<long>(i));
      span(spans->items[i], resource, scope_id);
    }
  }

  void span(const json::Value& v, std::uint32_t resource, std::uint32_t scope) {
    static const char* const kKinds[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                         "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                         "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
    static const char* const kCodes[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                         "STATUS_CODE_ERROR"};
    expect_object(v);
    SpanRec s;
    hex_id(v, "traceId", s.trace_id, true);
    hex_id(v, "spanId", s.span_id, true);
    hex_id(v, "parentSpanId", s.parent_id, false);
    if (is_zero(s.trace_id)) {
      Scoped at(path_, "traceId");
      fail("all-zero trace id is invalid");
    }
    s.name = data_.strings.intern(string_member(v, "name"));
    s.kind = static_cast<internal::SpanKind>(enum_member(v, "kind", kKinds, 6));
    s.start = u64_member(v, "startTimeUnixNano");
    s.end = u64_member(v, "endTimeUnixNano");
    s.resource = resource;
    s.scope = scope;
    s.attrs = attributes(v);
    if (const json::Value* events = array_member(v, "events")) {
      s.events.begin = static_cast<std::uint32_t>(data_.events.size());
      for (std::size_t i = 0; i < events->items.size(); ++i) {
        Scoped at(path_, "events", static_cast<long>(i));
        const json::Value& e = events->items[i];
        expect_object(e);
        EventRec rec;
        rec.name = data_.strings.intern(string_member(e, "name"));
        rec.time = u64_member(e, "timeUnixNano");
        rec.attrs = attributes(e);
        data_.events.push_back(rec);
      }
      s.events.count = static_cast<std::uint32_t>(events->items.size());
    }
    if (const json::Value* links = array_member(v, "links")) {
      s.links.begin = static_cast<std::uint32_t>(data_.links.size());
      for (std::size_t i = 0; i < links->items.size(); ++i) {
        Scoped at(path_, "links", static_cast<long>(i));
        const json::Value& l = links->items[i];
        expect_object(l);
        LinkRec rec;
        hex_id(l, "traceId", rec.trace_id, true);
        hex_id(l, "spanId", rec.span_id, true);
        rec.attrs = attributes(l);
        data_.links.push_back(rec);
      }
      s.links.count = static_cast<std::uint32_t>(links->items.size());
    }
    if (const json::Value* status = v.find("status"); status != nullptr && !status->is_null()) {
      Scoped at(path_, "status");
      expect_object(*status);
      s.status = static_cast<internal::StatusCode>(enum_member(*status, "code", kCodes, 3));
      s.status_message = data_.strings.intern(string_member(*status, "message"));
    }
    data_.spans.push_back(s);
  }

  TraceData& data_;
  JsonPath path_;
  std::vector<Attr> scratch_;
};

// Reads a file line by line through one reusable buffer; lines may be any length.
class LineReader {
public:
  explicit LineReader(std::FILE* f) : f_(f), buf_(1 << 20) {}

  // False at end of input. The view stays valid until the next call.
  bool next(std::string_view& line) {
    for (;;) {
      char* nl = static_cast<char*>(std::memchr(buf_.data() + pos_, '\n', len_ - pos_));
      if (nl != nullptr) {
        line =
            std::string_view(buf_.data() + pos_, static_cast<std::size_t>(nl - buf_.data()) - pos_);
        consumed_ += line.size() + 1;
        pos_ = static_cast<std::size_t>(nl - buf_.data()) + 1;
        return true;
      }
      if (eof_) {
        if (pos_ == len_)
          return false;
        line = std::string_view(buf_.data() + pos_, len_ - pos_);
        consumed_ += line.size();
        pos_ = len_;
        return true;
      }
      // Move the partial line to the front, grow if it fills the buffer, read more.
      std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
      len_ -= pos_;
      pos_ = 0;
      if (len_ == buf_.size())
        buf_.resize(buf_.size() * 2);
      std::size_t n = std::fread(buf_.data() + len_, 1, buf_.size() - len_, f_);
      len_ += n;
      if (n == 0)
        eof_ = true;
    }
  }

  std::uint64_t consumed() const { return consumed_; }
  bool failed() const { return std::ferror(f_) != 0; }

private:
  std::FILE* f_;
  std::vector<char> buf_;
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  bool eof_ = false;
  std::uint64_t consumed_ = 0;
};

} // namespace

void decode_request(const json::Value& request, TraceData& data) {
  Decoder(data).request(request);
}

bool load_file(const std::string& path, TraceData& data, const LoadOptions& options,
               std::FILE* diag, LoadStats* stats) {
  LoadStats local;
  LoadStats& st = stats != nullptr ? *stats : local;
  const bool is_stdin = path == "-";
  const std::string shown = is_stdin ? "<stdin>" : path;
  std::FILE* f = is_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(diag, "autospan: error: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
    ++st.errors;
    return false;
  }
  std::uint64_t total = 0;
  struct stat sb;
  if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode))
    total = static_cast<std::uint64_t>(sb.st_size);
  if (options.progress != nullptr)
    options.progress->begin("reading " + shown, total);

  LineReader reader(f);
  std::string_view line;
  std::size_t line_no = 0;
  bool ok = true;
  const char* severity = options.keep_going ? "warning" : "error";
  auto report = [&](const std::string& where, const std::string& message) {
    ++st.errors;
    if (st.errors <= options.max_errors) {
      if (options.progress != nullptr)
        options.progress->finish();
      std::fprintf(diag, "%s: %s: %s%s\n", where.c_str(), severity, message.c_str(),
                   options.keep_going ? " (line skipped)" : "");
    } else if (st.errors == options.max_errors + 1) {
      std::fprintf(diag, "%s: note: too many errors, not reporting more\n", shown.c_str());
    }
  };
  while (reader.next(line)) {
    ++line_no;
    ++st.lines;
    if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF")
      line.remove_prefix(3); // a UTF-8 byte order mark (some Windows editors add one)
    if (options.progress != nullptr)
      options.progress->update(reader.consumed());
    bool blank = true;
    for (char c : line)
      if (c != ' ' && c != '\t' && c != '\r') {
        blank = false;
        break;
      }
    if (blank)
      continue;
    const std::size_t spans_before = data.spans.size();
    bool line_ok = true;
    try {
      json::Value doc = json::parse(line);
      decode_request(doc, data);
    } catch (const json::ParseError& e) {
      report(shown + ":" + std::to_string(line_no) + ":" + std::to_string(e.column()), e.what());
      line_ok = false;
    } catch (const DecodeError& e) {
      report(shown + ":" + std::to_string(line_no), e.what());
      line_ok = false;
    } catch (const std::bad_alloc&) {
      report(shown + ":" + std::to_string(line_no), "out of memory");
      line_ok = false;
    }
    if (line_ok)
      continue;
    // A request is all or nothing: keep no span of a half-decoded batch. (Pool entries it
    // added stay behind unreferenced; resources may already point into the pools.)
    data.spans.resize(spans_before);
    ++st.skipped_lines;
    if (!options.keep_going) {
      ok = false;
      if (st.errors > options.max_errors)
        break;
    }
  }
  if (options.progress != nullptr)
    options.progress->finish();
  if (reader.failed()) {
    std::fprintf(diag, "%s: error: read failed: %s\n", shown.c_str(), std::strerror(errno));
    ++st.errors;
    ok = false;
  }
  if (!is_stdin)
    std::fclose(f);
  return ok;
}

} // namespace autospan::cli
