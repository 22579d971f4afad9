// autospan-gen-config-doc: prints the options table of docs/configuration.md, generated from
// core/options.inc. With `--check FILE` it exits 1 when FILE's generated section differs.
#include "core/options.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {
constexpr const char* kBegin = "<!-- BEGIN GENERATED OPTIONS TABLE (autospan-gen-config-doc) -->\n";
constexpr const char* kEnd = "<!-- END GENERATED OPTIONS TABLE -->\n";
} // namespace

int main(int argc, char** argv) {
  std::string table = autospan::internal::options_markdown_table();
  if (argc == 3 && std::strcmp(argv[1], "--check") == 0) {
    std::ifstream in(argv[2]);
    std::stringstream buf;
    buf << in.rdbuf();
    std::string doc = buf.str();
    std::size_t b = doc.find(kBegin), e = doc.find(kEnd);
    if (b == std::string::npos || e == std::string::npos || e < b) {
      std::fprintf(stderr, "%s: no generated-table markers\n", argv[2]);
      return 1;
    }
    std::string current = doc.substr(b + std::strlen(kBegin), e - b - std::strlen(kBegin));
    if (current != table) {
      std::fprintf(stderr,
                   "%s is out of date with runtime/core/options.inc.\nRegenerate the table: "
                   "autospan-gen-config-doc --update %s\n",
                   argv[2], argv[2]);
      return 1;
    }
    return 0;
  }
  if (argc == 3 && std::strcmp(argv[1], "--update") == 0) {
    std::ifstream in(argv[2]);
    std::stringstream buf;
    buf << in.rdbuf();
    std::string doc = buf.str();
    std::size_t b = doc.find(kBegin), e = doc.find(kEnd);
    if (b == std::string::npos || e == std::string::npos || e < b) {
      std::fprintf(stderr, "%s: no generated-table markers\n", argv[2]);
      return 1;
    }
    doc = doc.substr(0, b + std::strlen(kBegin)) + table + doc.substr(e);
    std::ofstream out(argv[2]);
    out << doc;
    return out ? 0 : 1;
  }
  if (argc != 1) {
    std::fprintf(stderr, "usage: %s [--check FILE | --update FILE]\n", argv[0]);
    return 2;
  }
  std::cout << kBegin << table << kEnd;
  return 0;
}
