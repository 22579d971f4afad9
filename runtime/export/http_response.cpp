#include "http_response.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace autospan::internal {
namespace {

// A response head (status line and fields, interim responses included) larger than this is not
// a collector's answer.
constexpr std::size_t kMaxHead = std::size_t{64} * 1024;

// Whether the comma-separated list `value` holds `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    if (header_name_equals(trim_header_value(value.substr(0, comma)), token))
      return true;
    if (comma == std::string_view::npos)
      break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// Decimal digits only, no overflow.
bool parse_decimal(std::string_view s, unsigned long long& out) {
  if (s.empty() || s.size() > 18)
    return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + static_cast<unsigned long long>(c - '0');
  }
  return true;
}

} // namespace

bool header_name_equals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_header_value(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

void HttpResponseReader::fail(const char* why) {
  state_ = State::Error;
  error_ = why;
  keep_alive_ = false;
}

void HttpResponseReader::keep(const char* data, std::size_t size) {
  std::size_t room = max_body_ - std::min(max_body_, body_.size());
  body_.append(data, std::min(size, room));
}

std::size_t HttpResponseReader::feed(const char* data, std::size_t size) {
  if (size != 0)
    got_bytes_ = true;
  std::size_t used = 0;
  while (used < size && state_ != State::Done && state_ != State::Error) {
    const bool in_head = state_ == State::Head;
    if (in_head || (body_kind_ == Body::Chunked && chunk_ != Chunk::Data)) {
      const char* start = data + used;
      const auto* nl = static_cast<const char*>(std::memchr(start, '\n', size - used));
      std::size_t take = nl != nullptr ? static_cast<std::size_t>(nl - start) + 1 : size - used;
      head_bytes_ += take;
      if (head_bytes_ > kMaxHead) {
        fail(in_head ? "response head too large" : "chunk framing too large");
        break;
      }
      pending_.append(start, take);
      used += take;
      if (nl == nullptr)
        break;
      std::string_view text(pending_);
      text.remove_suffix(1);
      if (!text.empty() && text.back() == '\r')
        text.remove_suffix(1);
      const bool ok = in_head ? head_line(text) : chunk_line(text);
      pending_.clear();
      if (!ok)
        break;
      continue;
    }
    std::size_t take = size - used;
    if (body_kind_ != Body::UntilClose)
      take = static_cast<std::size_t>(std::min<unsigned long long>(remaining_, take));
    keep(data + used, take);
    used += take;
    if (body_kind_ == Body::UntilClose)
      continue;
    remaining_ -= take;
    if (remaining_ == 0) {
      if (body_kind_ == Body::Length)
        state_ = State::Done;
      else
        chunk_ = Chunk::DataEnd;
    }
  }
  return used;
}

void HttpResponseReader::end_of_stream() {
  if (state_ == State::Body && body_kind_ == Body::UntilClose) {
    state_ = State::Done;
    return;
  }
  if (state_ != State::Done && state_ != State::Error)
    fail(got_bytes_ ? "connection closed before the response ended"
                    : "connection closed without a response");
}

bool HttpResponseReader::head_line(std::string_view text) {
  if (status_line_) {
    // HTTP/1.x NNN reason
    if (text.size() < 12 || text.compare(0, 7, "HTTP/1.") != 0 || text[8] != ' ' ||
        !std::isdigit(static_cast<unsigned char>(text[9])) ||
        !std::isdigit(static_cast<unsigned char>(text[10])) ||
        !std::isdigit(static_cast<unsigned char>(text[11])) ||
        (text.size() > 12 && text[12] != ' ')) {
      fail("not an HTTP/1.x response");
      return false;
    }
    status_ = (text[9] - '0') * 100 + (text[10] - '0') * 10 + (text[11] - '0');
    http10_ = text[7] == '0';
    keep_alive_ = !http10_;
    status_line_ = false;
    return true;
  }
  if (text.empty())
    return head_done();
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    fail("malformed response header");
    return false;
  }
  std::string_view name = text.substr(0, colon);
  std::string_view value = trim_header_value(text.substr(colon + 1));
  if (header_name_equals(name, "content-length")) {
    unsigned long long n = 0;
    if (!parse_decimal(value, n) || (has_length_ && n != length_)) {
      fail("invalid Content-Length in the response");
      return false;
    }
    has_length_ = true;
    length_ = n;
  } else if (header_name_equals(name, "transfer-encoding")) {
    chunked_ = has_token(value, "chunked");
  } else if (header_name_equals(name, "connection")) {
    if (has_token(value, "close"))
      keep_alive_ = false;
    else if (http10_ && has_token(value, "keep-alive"))
      keep_alive_ = true;
  } else if (header_name_equals(name, "content-type")) {
    content_type_.assign(value);
  } else if (header_name_equals(name, "retry-after")) {
    retry_after_.assign(value);
  }
  return true;
}

bool HttpResponseReader::head_done() {
  if (status_ >= 100 && status_ < 200) {
    if (status_ == 101) {
      fail("unexpected protocol switch (101) in the response");
      return false;
    }
    // An interim response (100 Continue, 103 Early Hints): the real one follows.
    status_line_ = true;
    status_ = 0;
    has_length_ = false;
    length_ = 0;
    chunked_ = false;
    content_type_.clear();
    retry_after_.clear();
    return true;
  }
  state_ = State::Body;
  if (status_ == 204 || status_ == 304) {
    state_ = State::Done;
  } else if (chunked_) {
    body_kind_ = Body::Chunked;
    chunk_ = Chunk::Size;
  } else if (has_length_) {
    body_kind_ = Body::Length;
    remaining_ = length_;
    if (remaining_ == 0)
      state_ = State::Done;
  } else {
    body_kind_ = Body::UntilClose;
    keep_alive_ = false;
  }
  return true;
}

bool HttpResponseReader::chunk_line(std::string_view text) {
  switch (chunk_) {
  case Chunk::Size: {
    std::size_t end = text.find_first_of("; \t");
    std::string_view digits = text.substr(0, end);
    if (digits.empty() || digits.size() > 15) {
      fail("invalid chunk size in the response");
      return false;
    }
    unsigned long long n = 0;
    for (char c : digits) {
      int v = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (v < 0) {
        fail("invalid chunk size in the response");
        return false;
      }
      n = n * 16 + static_cast<unsigned long long>(v);
    }
    if (n == 0) {
      chunk_ = Chunk::Trailers;
    } else {
      remaining_ = n;
      chunk_ = Chunk::Data;
    }
    return true;
  }
  case Chunk::DataEnd:
    if (!text.empty()) {
      fail("chunk not followed by CRLF in the response");
      return false;
    }
    chunk_ = Chunk::Size;
    return true;
  case Chunk::Trailers:
    if (text.empty())
      state_ = State::Done;
    return true;
  case Chunk::Data:
    break;
  }
  return true;
}

} // namespace autospan::internal
