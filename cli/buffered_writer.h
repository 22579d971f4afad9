// Output through one large buffer: the chrome and HTML writers append many small pieces and
// flush about every megabyte, so a million spans cost a few hundred fwrite calls.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace autospan::cli {

class BufferedWriter {
public:
  // `slack`: the most a caller appends between two maybe_flush() calls (no regrowth then).
  BufferedWriter(std::FILE* f, std::size_t slack) : f_(f) { buf_.reserve(kFlushAt + slack); }
  std::string& buf() { return buf_; }
  void maybe_flush() {
    if (buf_.size() >= kFlushAt)
      flush();
  }
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size())
      failed_ = true;
    buf_.clear();
  }
  bool ok() const { return !failed_; }

private:
  static constexpr std::size_t kFlushAt = 1 << 20;
  std::FILE* f_;
  std::string buf_;
  bool failed_ = false;
};

} // namespace autospan::cli
