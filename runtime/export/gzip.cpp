#include "gzip.h"

#include <zlib.h>

#include <climits>
#include <new>

namespace autospan::internal {

struct GzipCompressor::State {
  z_stream stream{};
  bool ready = false;
};

GzipCompressor::GzipCompressor() : state_(new (std::nothrow) State) {
  if (!state_)
    return;
  // windowBits 15 + 16 selects the gzip wrapper. Level 1: span data is repetitive enough that
  // the fastest level already gets most of the ratio, and export CPU is budgeted per span.
  state_->ready =
      deflateInit2(&state_->stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

GzipCompressor::~GzipCompressor() {
  if (state_ && state_->ready)
    deflateEnd(&state_->stream);
}

bool GzipCompressor::compress(const void* data, std::size_t size,
                              std::vector<std::uint8_t>& out) noexcept {
  if (!state_ || !state_->ready || size > UINT_MAX)
    return false;
  z_stream& zs = state_->stream;
  if (deflateReset(&zs) != Z_OK)
    return false;
  try {
    out.resize(deflateBound(&zs, static_cast<uLong>(size)));
  } catch (...) {
    return false;
  }
  zs.next_in = static_cast<Bytef*>(const_cast<void*>(data));
  zs.avail_in = static_cast<uInt>(size);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  if (rc != Z_STREAM_END)
    return false;
  out.resize(out.size() - zs.avail_out);
  return true;
}

} // namespace autospan::internal
