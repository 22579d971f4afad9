#include "propagation.h"

#include "options.h"

#include <cctype>

namespace autospan::internal {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1; // uppercase is invalid in traceparent
}

bool parse_hex(std::string_view s, std::uint64_t& out) {
  out = 0;
  for (char c : s) {
    int v = hex_value(c);
    if (v < 0)
      return false;
    out = (out << 4) | static_cast<std::uint64_t>(v);
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool is_tracestate_key(std::string_view key) {
  // simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
  // multi-tenant-key = tenant-id "@" system-id
  auto ok_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' ||
           c == '/';
  };
  std::size_t at = key.find('@');
  if (at == std::string_view::npos) {
    if (key.empty() || key.size() > 256 || !(key[0] >= 'a' && key[0] <= 'z'))
      return false;
    for (char c : key)
      if (!ok_char(c))
        return false;
    return true;
  }
  std::string_view tenant = key.substr(0, at), system = key.substr(at + 1);
  if (tenant.empty() || tenant.size() > 241 || system.empty() || system.size() > 14)
    return false;
  if (!((tenant[0] >= 'a' && tenant[0] <= 'z') || (tenant[0] >= '0' && tenant[0] <= '9')))
    return false;
  if (!(system[0] >= 'a' && system[0] <= 'z'))
    return false;
  for (char c : tenant)
    if (!ok_char(c))
      return false;
  for (char c : system)
    if (!ok_char(c))
      return false;
  return true;
}

bool is_tracestate_value(std::string_view v) {
  // value = 0*255(chr) nblk-chr ; chr = %x20 / nblk-chr ; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
  if (v.empty() || v.size() > 256 || v.back() == ' ')
    return false;
  for (char c : v)
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=')
      return false;
  return true;
}

bool is_token_char(char c) {
  // RFC 7230 tchar
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

} // namespace

std::optional<TraceParent> parse_traceparent(std::string_view text) {
  text = trim_ows(text);
  if (text.size() < 55)
    return std::nullopt;
  std::uint64_t version = 0;
  if (!parse_hex(text.substr(0, 2), version) || version == 0xff || text[2] != '-' ||
      text[35] != '-' || text[52] != '-')
    return std::nullopt;
  if (version == 0 && text.size() != 55)
    return std::nullopt;
  if (version != 0 && text.size() > 55 && text[55] != '-')
    return std::nullopt;
  TraceParent tp;
  std::uint64_t flags = 0;
  if (!parse_hex(text.substr(3, 16), tp.trace_hi) || !parse_hex(text.substr(19, 16), tp.trace_lo) ||
      !parse_hex(text.substr(36, 16), tp.span_id) || !parse_hex(text.substr(53, 2), flags))
    return std::nullopt;
  if ((tp.trace_hi | tp.trace_lo) == 0 || tp.span_id == 0)
    return std::nullopt;
  tp.flags = static_cast<std::uint8_t>(flags);
  return tp;
}

std::string format_traceparent(const TraceParent& tp) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "00-";
  auto put = [&](std::uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i)
      out += kDigits[(v >> (4 * i)) & 0xf];
  };
  put(tp.trace_hi, 16);
  put(tp.trace_lo, 16);
  out += '-';
  put(tp.span_id, 16);
  out += '-';
  put(tp.flags, 2);
  return out;
}

std::string normalize_tracestate(std::string_view text) {
  std::string out;
  std::vector<std::string_view> keys;
  std::size_t start = 0;
  int members = 0;
  for (;;) {
    std::size_t comma = text.find(',', start);
    std::string_view member = trim_ows(text.substr(start, comma - start));
    if (!member.empty()) {
      std::size_t eq = member.find('=');
      if (eq == std::string_view::npos)
        return "";
      std::string_view key = member.substr(0, eq), value = member.substr(eq + 1);
      if (!is_tracestate_key(key) || !is_tracestate_value(value))
        return "";
      for (auto k : keys)
        if (k == key)
          return ""; // duplicate keys make the header invalid
      keys.push_back(key);
      if (++members > 32)
        return "";
      if (!out.empty())
        out += ',';
      out += member;
    }
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  return out;
}

BaggageEntries parse_baggage(std::string_view text) {
  BaggageEntries out;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = text.find(',', start);
    std::string_view member = text.substr(start, comma - start);
    std::size_t semi = member.find(';');
    std::string_view kv = trim_ows(member.substr(0, semi));
    std::size_t eq = kv.find('=');
    if (eq != std::string_view::npos) {
      std::string_view key = trim_ows(kv.substr(0, eq));
      std::string_view value = trim_ows(kv.substr(eq + 1));
      bool ok = !key.empty();
      for (char c : key)
        ok = ok && is_token_char(c);
      if (ok) {
        std::string k(key);
        std::string v = percent_decode(value);
        bool replaced = false;
        for (auto& e : out)
          if (e.first == k) {
            e.second = v;
            replaced = true;
          }
        if (!replaced)
          out.emplace_back(std::move(k), std::move(v));
      }
    }
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  return out;
}

std::string format_baggage(const BaggageEntries& entries) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  int members = 0;
  for (const auto& [key, value] : entries) {
    bool ok = !key.empty();
    for (char c : key)
      ok = ok && is_token_char(c);
    if (!ok)
      continue;
    std::string member = key + "=";
    for (unsigned char c : value) {
      // baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E; '%' itself is encoded.
      bool plain = c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\' &&
                   c != '%' && c != ' ';
      if (plain) {
        member += static_cast<char>(c);
      } else {
        member += '%';
        member += kDigits[c >> 4];
        member += kDigits[c & 0xf];
      }
    }
    if (out.size() + member.size() + 1 > 8192 || ++members > 180)
      break;
    if (!out.empty())
      out += ',';
    out += member;
  }
  return out;
}

} // namespace autospan::internal
