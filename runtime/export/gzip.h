// gzip (RFC 1952) compression of request bodies, for `Content-Encoding: gzip`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace autospan::internal {

class GzipCompressor {
public:
  GzipCompressor();
  ~GzipCompressor();
  GzipCompressor(const GzipCompressor&) = delete;
  GzipCompressor& operator=(const GzipCompressor&) = delete;

  // Compresses [data, data+size) into out (replacing its contents, keeping its capacity).
  // Returns false if zlib fails (out of memory); the caller then sends uncompressed.
  bool compress(const void* data, std::size_t size, std::vector<std::uint8_t>& out) noexcept;

private:
  struct State;
  std::unique_ptr<State> state_;
};

} // namespace autospan::internal
