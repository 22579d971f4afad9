// OTLP/protobuf encoding, checked with a real wire decoder: `protoc --decode_raw`.
#include "export/otlp_protobuf.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <map>
#include <sstream>

using namespace autospan::test;

namespace {

// The text `protoc --decode_raw` prints, as a tree: "N: value" leaves and "N { ... }" groups.
struct Raw {
  std::string value;
  std::multimap<int, Raw> fields;

  std::vector<const Raw*> all(int n) const {
    std::vector<const Raw*> out;
    auto range = fields.equal_range(n);
    for (auto it = range.first; it != range.second; ++it)
      out.push_back(&it->second);
    return out;
  }
  const Raw& at(int n, std::size_t index = 0) const {
    auto v = all(n);
    if (index >= v.size())
      throw std::runtime_error("field " + std::to_string(n) + "[" + std::to_string(index) +
                               "] missing");
    return *v[index];
  }
  bool has(int n) const { return fields.count(n) != 0; }
};

Raw parse_raw(std::istream& in) {
  Raw node;
  std::string line;
  while (std::getline(in, line)) {
    std::size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos)
      continue;
    line = line.substr(start);
    if (line == "}")
      return node;
    std::size_t sep = line.find_first_of(":{");
    int number = std::stoi(line.substr(0, sep));
    if (line[sep] == '{') {
      node.fields.emplace(number, parse_raw(in));
    } else {
      Raw leaf;
      leaf.value = line.substr(sep + 2);
      node.fields.emplace(number, leaf);
    }
  }
  return node;
}

Raw decode_raw(const ProtoWriter& w) {
  std::string path = temp_path("request.pb");
  write_file(path, std::string(reinterpret_cast<const char*>(w.data()), w.size()));
  std::string out;
  int rc = run(std::string(AUTOSPAN_TEST_PROTOC) + " --decode_raw < " + path + " 2>&1", out);
  INFO(out);
  REQUIRE(rc == 0);
  std::istringstream in(out);
  return parse_raw(in);
}

// decode_raw prints bytes with C escapes (octal for non-printables).
std::string c_escaped(const std::uint8_t* p, std::size_t n) {
  std::string out = "\"";
  for (std::size_t i = 0; i < n; ++i) {
    unsigned c = p[i];
    if (c == '\n' || c == '\r' || c == '\t') {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
    } else if (c == '"' || c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    }
  }
  return out + "\"";
}

template <std::size_t N> std::string c_escaped(const std::array<std::uint8_t, N>& id) {
  return c_escaped(id.data(), N);
}

std::string hex64(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

} // namespace

TEST_CASE("protobuf: every span field at its OTLP field number", "[protobuf]") {
  Batch b = full_batch();
  ProtoWriter w;
  encode_otlp_protobuf(b.view(), w);
  Raw req = decode_raw(w);

  REQUIRE(req.all(1).size() == 1); // one ResourceSpans
  const Raw& rs = req.at(1);
  // Resource attributes: KeyValue{1: key, 2: AnyValue}
  const Raw& resource = rs.at(1);
  REQUIRE(resource.all(1).size() == 2);
  CHECK(resource.at(1, 0).at(1).value == "\"service.name\"");
  CHECK(resource.at(1, 0).at(2).at(1).value == "\"svc\"");
  CHECK(resource.at(1, 1).at(1).value == "\"process.pid\"");
  CHECK(resource.at(1, 1).at(2).at(3).value == "4242");

  const Raw& ss = rs.at(2);
  CHECK(ss.at(1).at(1).value == "\"autospan\"");
  CHECK(ss.at(1).at(2).value == "\"0.1.0\"");
  REQUIRE(ss.all(2).size() == 2);

  const Raw& child = ss.at(2, 0);
  const SpanData& c = b.spans[0];
  CHECK(child.at(1).value == c_escaped(c.trace_id));
  CHECK(child.at(2).value == c_escaped(c.span_id));
  CHECK(child.at(3).value == "\"vendor=x\"");
  CHECK(child.at(4).value == c_escaped(c.parent_span_id));
  CHECK(child.at(5).value == "\"work::item\"");
  CHECK(child.at(6).value == "1");
  CHECK(child.at(7).value == hex64(c.start_unix_nano));
  CHECK(child.at(8).value == hex64(c.end_unix_nano));
  CHECK(child.at(10).value == "3");
  CHECK(child.at(12).value == "4");
  CHECK(child.at(14).value == "5");
  CHECK(child.at(16).value == "0x00000101"); // sampled + HAS_IS_REMOTE, parent local

  auto attrs = child.all(9);
  REQUIRE(attrs.size() == 12);
  auto value_of = [&](std::size_t i) -> const Raw& { return attrs[i]->at(2); };
  CHECK(attrs[0]->at(1).value == "\"str\"");
  CHECK(value_of(0).at(1).value == "\"text\"");
  // Oneof members are present even when they hold the default value.
  CHECK(value_of(1).at(1).value == "\"\"");
  CHECK(value_of(2).at(2).value == "0");
  CHECK(value_of(3).at(2).value == "1");
  CHECK(value_of(4).at(3).value == "0");
  CHECK(value_of(5).at(3).value == "18446744073709551615"); // -1 as a 64-bit varint
  CHECK(value_of(6).at(3).value == "9007199254740993");
  CHECK(value_of(7).at(4).value == "0x3ff8000000000000"); // 1.5
  const Raw& arr_bool = value_of(8).at(5);
  REQUIRE(arr_bool.all(1).size() == 2);
  CHECK(arr_bool.at(1, 0).at(2).value == "1");
  CHECK(arr_bool.at(1, 1).at(2).value == "0");
  const Raw& arr_int = value_of(9).at(5);
  CHECK(arr_int.at(1, 0).at(3).value == "1");
  CHECK(arr_int.at(1, 1).at(3).value == "18446744073709551614");
  CHECK(value_of(10).at(5).at(1, 0).at(4).value == "0x3fd0000000000000");
  CHECK(value_of(11).at(5).at(1, 1).at(1).value == "\"b\"");

  const Raw& event = child.at(11);
  CHECK(event.at(1).value == hex64(1700000000000400000ull));
  CHECK(event.at(2).value == "\"exception\"");
  REQUIRE(event.all(3).size() == 2);
  CHECK(event.at(3, 1).at(1).value == "\"exception.message\"");
  CHECK(event.at(3, 1).at(2).at(1).value == "\"boom\"");

  const Raw& link = child.at(13);
  CHECK(link.at(1).value == c_escaped(trace_id(9)));
  CHECK(link.at(2).value == c_escaped(span_id(9)));
  CHECK(link.at(3).value == "\"k=v\"");
  CHECK(link.at(4).at(1).value == "\"link.attr\"");
  CHECK(link.at(4).at(2).at(3).value == "7");

  const Raw& status = child.at(15);
  CHECK(status.at(2).value == "\"boom\"");
  CHECK(status.at(3).value == "2");

  const Raw& root = ss.at(2, 1);
  CHECK(root.at(5).value == "\"root\"");
  CHECK(root.at(6).value == "2");
  CHECK(root.at(16).value == "0x00000301"); // parent is remote
  CHECK(root.at(15).at(3).value == "1");
  CHECK_FALSE(root.at(15).has(2));
  CHECK_FALSE(root.has(3));  // empty trace_state omitted
  CHECK_FALSE(root.has(10)); // zero counts omitted
}

TEST_CASE("protobuf: root spans have no parent_span_id and default status is omitted",
          "[protobuf]") {
  Batch b = typical_batch(1);
  b.spans[0].parent_span_id = SpanId{};
  ProtoWriter w;
  encode_otlp_protobuf(b.view(), w);
  Raw span = decode_raw(w).at(1).at(2).at(2);
  CHECK_FALSE(span.has(4));
  CHECK_FALSE(span.has(15));
  CHECK(span.at(9, 2).at(2).at(3).value == "42");
}

TEST_CASE("protobuf: large batches, buffer reuse and an empty batch", "[protobuf]") {
  ProtoWriter w;
  Batch big = typical_batch(5000);
  encode_otlp_protobuf(big.view(), w);
  std::size_t first_size = w.size();
  std::size_t capacity = w.capacity();
  Raw req = decode_raw(w);
  CHECK(req.at(1).at(2).all(2).size() == 5000);

  // Same batch again: identical bytes, no growth.
  std::string first(reinterpret_cast<const char*>(w.data()), w.size());
  encode_otlp_protobuf(big.view(), w);
  CHECK(w.capacity() == capacity);
  CHECK(std::string(reinterpret_cast<const char*>(w.data()), w.size()) == first);
  CHECK(w.size() == first_size);

  Batch empty = typical_batch(0);
  encode_otlp_protobuf(empty.view(), w);
  Raw e = decode_raw(w);
  CHECK(e.at(1).at(2).all(2).empty());
}

TEST_CASE("protobuf: partial_success responses", "[protobuf]") {
  PartialSuccess p;
  // ExportTraceServiceResponse{partial_success{rejected_spans: 3, error_message: "bad"}}
  const std::uint8_t full[] = {0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, 'b', 'a', 'd'};
  REQUIRE(parse_partial_success_protobuf(full, sizeof full, p));
  CHECK(p.rejected_spans == 3);
  CHECK(p.error_message == "bad");
  CHECK(p.any());

  REQUIRE(parse_partial_success_protobuf(nullptr, 0, p));
  CHECK_FALSE(p.any());

  const std::uint8_t empty_partial[] = {0x0a, 0x00};
  REQUIRE(parse_partial_success_protobuf(empty_partial, sizeof empty_partial, p));
  CHECK_FALSE(p.any());

  // Unknown fields are skipped.
  const std::uint8_t unknown[] = {0x10, 0x05, 0x0a, 0x02, 0x08, 0x01};
  REQUIRE(parse_partial_success_protobuf(unknown, sizeof unknown, p));
  CHECK(p.rejected_spans == 1);

  const std::uint8_t truncated[] = {0x0a, 0x07, 0x08};
  CHECK_FALSE(parse_partial_success_protobuf(truncated, sizeof truncated, p));
  const char* html = "<html>502 Bad Gateway</html>";
  CHECK_FALSE(parse_partial_success_protobuf(reinterpret_cast<const std::uint8_t*>(html),
                                             std::strlen(html), p));
}
