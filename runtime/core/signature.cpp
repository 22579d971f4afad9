#include "signature.h"

#include <cstring>

namespace autospan::internal {
namespace {

bool is_open(char c) {
  return c == '(' || c == '<' || c == '[' || c == '{';
}
bool is_close(char c) {
  return c == ')' || c == '>' || c == ']' || c == '}';
}

// Index of the bracket matching the closing one at `close` (scanning backwards), or npos.
std::size_t match_backward(std::string_view s, std::size_t close) {
  int depth = 0;
  for (std::size_t i = close + 1; i-- > 0;) {
    char c = s[i];
    // "operator->" / "operator>>" inside a name: the '>' is not a bracket.
    if (c == '>' && i > 0 && (s[i - 1] == '-' || (s[i - 1] == '>' && depth == 0 && i != close)))
      continue;
    if (is_close(c))
      ++depth;
    else if (is_open(c) && --depth == 0)
      return i;
  }
  return std::string_view::npos;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Removes the parameter lists of enclosing functions ("run()::<lambda()>" -> "run::<lambda>")
// and rewrites lambda spellings to the contract's "<lambda at file:line>".
std::string tidy_scope(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size();) {
    // Clang: "(lambda at /path/file.cpp:42:5)"
    if (name.compare(i, 11, "(lambda at ") == 0) {
      std::size_t end = name.find(')', i);
      if (end != std::string_view::npos) {
        std::string_view where = name.substr(i + 11, end - i - 11);
        std::size_t last_colon = where.rfind(':');
        std::size_t prev_colon =
            last_colon == std::string_view::npos ? last_colon : where.rfind(':', last_colon - 1);
        if (prev_colon != std::string_view::npos)
          where = where.substr(0, last_colon); // drop the column
        std::size_t slash = where.rfind('/');
        if (slash != std::string_view::npos)
          where = where.substr(slash + 1);
        out += "<lambda at ";
        out += where;
        out += '>';
        i = end + 1;
        continue;
      }
    }
    // GCC: "<lambda(int)>" -> "<lambda>"
    if (name.compare(i, 8, "<lambda(") == 0) {
      std::size_t close = name.find(")>", i);
      if (close != std::string_view::npos) {
        out += "<lambda>";
        i = close + 2;
        continue;
      }
    }
    // "f()::" or "f(int) const::" -> "f::"
    if (name[i] == '(' && name.compare(i, 11, "(anonymous ") != 0) {
      int depth = 0;
      std::size_t j = i;
      for (; j < name.size(); ++j) {
        if (name[j] == '(')
          ++depth;
        else if (name[j] == ')' && --depth == 0)
          break;
      }
      std::size_t k = j + 1;
      while (k < name.size() && name[k] != ':' && name[k] != '(')
        ++k; // trailing " const" etc.
      if (k + 1 < name.size() && name[k] == ':' && name[k + 1] == ':') {
        i = k;
        continue;
      }
    }
    out += name[i];
    ++i;
  }
  // Lambda call operators: the lambda is the function.
  for (std::string_view suffix : {"::operator()"}) {
    if (ends_with(out, suffix) && out.size() > suffix.size() &&
        out[out.size() - suffix.size() - 1] == '>')
      out.resize(out.size() - suffix.size());
  }
  return out;
}

} // namespace

std::string normalize_signature(std::string_view sig, std::string_view file, unsigned line) {
  // Trim trailing template argument bindings: " [T = int]" (Clang) / " [with T = int]" (GCC).
  while (!sig.empty() && sig.back() == ' ')
    sig.remove_suffix(1);
  if (!sig.empty() && sig.back() == ']') {
    std::size_t open = match_backward(sig, sig.size() - 1);
    if (open != std::string_view::npos && open > 0 && sig[open - 1] == ' ')
      sig = sig.substr(0, open - 1);
  }
  // Trailing qualifiers after the parameter list: const, volatile, &, &&, noexcept, ...
  std::string_view rest = sig;
  for (bool stripped = true; stripped;) {
    stripped = false;
    while (!rest.empty() && rest.back() == ' ')
      rest.remove_suffix(1);
    for (std::string_view q : {"const", "volatile", "&&", "&", "noexcept", "override", "final"}) {
      if (ends_with(rest, q) && rest.size() > q.size() &&
          (rest[rest.size() - q.size() - 1] == ' ' || rest[rest.size() - q.size() - 1] == ')' ||
           q[0] == '&')) {
        rest.remove_suffix(q.size());
        stripped = true;
        break;
      }
    }
  }
  std::string_view head = rest; // GCC's "app::run()::<lambda()>" has no parameter list
  if (!rest.empty() && rest.back() == ')') {
    std::size_t open = match_backward(rest, rest.size() - 1);
    if (open == std::string_view::npos)
      return std::string(sig);
    head = rest.substr(0, open);
  }
  // The name starts after the last top-level space, except inside "operator new" & co.
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = head.size(); i-- > 0;) {
    char c = head[i];
    if (is_close(c) && !(c == '>' && i > 0 && head[i - 1] == '-'))
      ++depth;
    else if (is_open(c) && depth > 0)
      --depth;
    else if (c == ' ' && depth == 0) {
      std::string_view before = head.substr(0, i);
      if (ends_with(before, "operator") || ends_with(before, "operator delete") ||
          ends_with(before, "operator new")) {
        continue;
      }
      start = i + 1;
      break;
    }
  }
  std::string_view name = head.substr(start);
  // A leading '*' or '&' belongs to the return type ("int *app::f()" in Clang's spelling).
  while (!name.empty() && (name.front() == '*' || name.front() == '&'))
    name.remove_prefix(1);
  std::string out = tidy_scope(name);
  // Clang spells a lambda "(anonymous class)::operator()": name it after its site instead.
  constexpr std::string_view kAnonLambda = "(anonymous class)::operator()";
  if (ends_with(out, kAnonLambda)) {
    out.resize(out.size() - kAnonLambda.size());
    std::size_t slash = file.rfind('/');
    out += "<lambda at ";
    out += slash == std::string_view::npos ? file : file.substr(slash + 1);
    out += ':';
    out += std::to_string(line);
    out += '>';
  }
  return out;
}

} // namespace autospan::internal
