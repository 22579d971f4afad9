// A protobuf wire-format writer that fills its buffer from the back.
//
// Writing backwards means a nested message's length is known the moment its contents are done,
// so one pass encodes everything with no size pre-computation and no per-message allocation.
// Callers write fields in descending field-number order (and repeated elements last to first)
// so that the bytes come out in the canonical ascending order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace autospan::internal {

// Inlined so that tags (field numbers are constants at every call site) fold into one byte store.
#define AUTOSPAN_PW_INLINE __attribute__((always_inline)) inline

class ProtoWriter {
public:
  enum WireType : std::uint32_t { Varint = 0, Fixed64 = 1, Len = 2, Fixed32 = 5 };

  ProtoWriter() = default;
  ProtoWriter(const ProtoWriter&) = delete;
  ProtoWriter& operator=(const ProtoWriter&) = delete;

  // Keeps the capacity, so a long-lived writer stops allocating after the first few batches.
  void clear() noexcept { pos_ = cap_; }
  std::size_t size() const noexcept { return cap_ - pos_; }
  const std::uint8_t* data() const noexcept { return buf_.get() + pos_; }
  std::size_t capacity() const noexcept { return cap_; }

  // A position to close a nested message at: pass it to end_message() once the contents are
  // written.
  std::size_t mark() const noexcept { return size(); }
  AUTOSPAN_PW_INLINE void end_message(std::uint32_t field, std::size_t mark) {
    end_message(field, mark, 0);
  }
  // The same for a message whose last `trailing` bytes are not in this buffer: they follow it
  // on the wire (sent as a separate piece).
  AUTOSPAN_PW_INLINE void end_message(std::uint32_t field, std::size_t mark, std::size_t trailing) {
    reserve(15);
    put_varint(size() - mark + trailing);
    put_varint((field << 3) | Len);
  }

  AUTOSPAN_PW_INLINE void varint_field(std::uint32_t field, std::uint64_t v) {
    reserve(15);
    put_varint(v);
    put_varint(field << 3 | Varint);
  }
  AUTOSPAN_PW_INLINE void fixed64_field(std::uint32_t field, std::uint64_t v) {
    reserve(13);
    pos_ -= 8;
    store_le64(buf_.get() + pos_, v);
    put_varint(field << 3 | Fixed64);
  }
  AUTOSPAN_PW_INLINE void fixed32_field(std::uint32_t field, std::uint32_t v) {
    reserve(9);
    pos_ -= 4;
    std::uint8_t* p = buf_.get() + pos_;
    for (int i = 0; i < 4; ++i)
      p[i] = static_cast<std::uint8_t>(v >> (8 * i));
    put_varint(field << 3 | Fixed32);
  }
  AUTOSPAN_PW_INLINE void double_field(std::uint32_t field, double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    fixed64_field(field, bits);
  }
  AUTOSPAN_PW_INLINE void bytes_field(std::uint32_t field, const void* p, std::size_t n) {
    reserve(n + 15);
    pos_ -= n;
    if (n != 0)
      std::memcpy(buf_.get() + pos_, p, n);
    put_varint(n);
    put_varint(field << 3 | Len);
  }
  AUTOSPAN_PW_INLINE void string_field(std::uint32_t field, std::string_view s) {
    bytes_field(field, s.data(), s.size());
  }
  // Raw bytes in front of everything written so far (the gRPC frame header).
  void prepend(const void* p, std::size_t n) {
    reserve(n);
    pos_ -= n;
    std::memcpy(buf_.get() + pos_, p, n);
  }

private:
  AUTOSPAN_PW_INLINE static void store_le64(std::uint8_t* p, std::uint64_t v) noexcept {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    std::memcpy(p, &v, 8);
#else
    for (int i = 0; i < 8; ++i)
      p[i] = static_cast<std::uint8_t>(v >> (8 * i));
#endif
  }
  AUTOSPAN_PW_INLINE void reserve(std::size_t n) {
    if (pos_ < n)
      grow(n);
  }
  AUTOSPAN_PW_INLINE void put_varint(std::uint64_t v) noexcept {
    // Almost every tag and most lengths are below 128: one byte, no loop.
    if (v < 0x80) {
      buf_[--pos_] = static_cast<std::uint8_t>(v);
      return;
    }
    std::size_t len = static_cast<std::size_t>(63 - __builtin_clzll(v)) / 7 + 1;
    pos_ -= len;
    std::uint8_t* p = buf_.get() + pos_;
    for (std::size_t i = 0; i + 1 < len; ++i) {
      p[i] = static_cast<std::uint8_t>(v | 0x80);
      v >>= 7;
    }
    p[len - 1] = static_cast<std::uint8_t>(v);
  }
  __attribute__((noinline)) void grow(std::size_t need) {
    std::size_t used = size();
    std::size_t cap = cap_ < 4096 ? 4096 : cap_ * 2;
    while (cap - used < need)
      cap *= 2;
    std::unique_ptr<std::uint8_t[]> fresh(new std::uint8_t[cap]);
    if (used != 0)
      std::memcpy(fresh.get() + cap - used, buf_.get() + pos_, used);
    buf_ = std::move(fresh);
    cap_ = cap;
    pos_ = cap - used;
  }

  std::unique_ptr<std::uint8_t[]> buf_;
  std::size_t cap_ = 0;
  std::size_t pos_ = 0;
};

#undef AUTOSPAN_PW_INLINE

} // namespace autospan::internal
