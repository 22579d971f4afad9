// Internals of the public C++ API in <autospan/autospan.h>: non-owning views that let thin inline
// wrappers pass any string or attribute value to the compiled runtime without templates there.
// C++14-compatible on purpose (the public header supports C++14..C++23).
#ifndef AUTOSPAN_DETAIL_API_SUPPORT_H
#define AUTOSPAN_DETAIL_API_SUPPORT_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#if defined(__cplusplus) && __cplusplus >= 201703L
#include <string_view>
#endif

// Explicit on both sides: the runtime builds with hidden visibility, and a consumer built with
// -fvisibility=hidden must still see these as symbols of libautospan.so.
#define AUTOSPAN_API __attribute__((visibility("default")))

namespace autospan {
inline namespace v1 {

// A non-owning string view that converts from every common string type (std::string_view is
// C++17, the API is C++14). Valid for the duration of the call it is passed to.
class string_ref {
public:
  string_ref() noexcept : data_(""), size_(0) {}
  string_ref(const char* s) noexcept : data_(s ? s : ""), size_(s ? std::strlen(s) : 0) {}
  string_ref(const char* s, std::size_t n) noexcept : data_(s), size_(n) {}
  string_ref(const std::string& s) noexcept : data_(s.data()), size_(s.size()) {}
#if defined(__cplusplus) && __cplusplus >= 201703L
  string_ref(std::string_view s) noexcept : data_(s.data()), size_(s.size()) {}
#endif
  const char* data() const noexcept {
    return data_;
  }
  std::size_t size() const noexcept {
    return size_;
  }
  bool empty() const noexcept {
    return size_ == 0;
  }
  std::string str() const {
    return std::string(data_, size_);
  }

private:
  const char* data_;
  std::size_t size_;
};

// A non-owning attribute value: every OTLP value type a span attribute can hold (bool, 64-bit
// integer, double, string, and homogeneous arrays of those). The runtime copies it at once.
class attribute_value {
public:
  enum class type : unsigned char {
    boolean,
    integer,
    floating,
    string,
    bool_array,
    int_array,
    double_array,
    string_array
  };

  attribute_value(bool v) noexcept : type_(type::boolean), b_(v) {}
  template <typename T,
            typename std::enable_if<std::is_integral<T>::value && !std::is_same<T, bool>::value,
                                    int>::type = 0>
  attribute_value(T v) noexcept : type_(type::integer), i_(static_cast<std::int64_t>(v)) {}
  attribute_value(double v) noexcept : type_(type::floating), d_(v) {}
  attribute_value(float v) noexcept : type_(type::floating), d_(static_cast<double>(v)) {}
  attribute_value(const char* v) noexcept : type_(type::string), s_(v) {}
  attribute_value(const std::string& v) noexcept : type_(type::string), s_(v) {}
#if defined(__cplusplus) && __cplusplus >= 201703L
  attribute_value(std::string_view v) noexcept : type_(type::string), s_(v) {}
#endif
  attribute_value(const std::vector<bool>& v) noexcept : type_(type::bool_array), array_(&v) {}
  attribute_value(const std::vector<std::int64_t>& v) noexcept
      : type_(type::int_array), array_(&v) {}
  attribute_value(const std::vector<double>& v) noexcept : type_(type::double_array), array_(&v) {}
  attribute_value(const std::vector<std::string>& v) noexcept
      : type_(type::string_array), array_(&v) {}
  attribute_value(std::initializer_list<bool> v) noexcept
      : type_(type::bool_array), list_(v.begin()), size_(v.size()), is_list_(true) {}
  attribute_value(std::initializer_list<std::int64_t> v) noexcept
      : type_(type::int_array), list_(v.begin()), size_(v.size()), is_list_(true) {}
  attribute_value(std::initializer_list<int> v) noexcept
      : type_(type::int_array), list_(v.begin()), size_(v.size()), is_list_(true),
        list_is_int_(true) {}
  attribute_value(std::initializer_list<double> v) noexcept
      : type_(type::double_array), list_(v.begin()), size_(v.size()), is_list_(true) {}
  attribute_value(std::initializer_list<const char*> v) noexcept
      : type_(type::string_array), list_(v.begin()), size_(v.size()), is_list_(true) {}

  type kind() const noexcept {
    return type_;
  }
  bool as_bool() const noexcept {
    return b_;
  }
  std::int64_t as_int() const noexcept {
    return i_;
  }
  double as_double() const noexcept {
    return d_;
  }
  string_ref as_string() const noexcept {
    return s_;
  }
  // Arrays: either a vector (array_) or an initializer_list (list_, size_).
  const void* array() const noexcept {
    return array_;
  }
  const void* list() const noexcept {
    return list_;
  }
  std::size_t list_size() const noexcept {
    return size_;
  }
  bool is_list() const noexcept {
    return is_list_;
  }
  bool list_is_int() const noexcept {
    return list_is_int_;
  }

private:
  type type_;
  bool b_ = false;
  std::int64_t i_ = 0;
  double d_ = 0;
  string_ref s_{};
  const void* array_ = nullptr;
  const void* list_ = nullptr;
  std::size_t size_ = 0;
  bool is_list_ = false;
  bool list_is_int_ = false;
};

// One key/value pair for add_event and links: {"key", value}.
struct attribute {
  string_ref key;
  attribute_value value;
};

namespace impl {
class SpanState;
struct ContextData;
// Carrier callbacks used by the inject/extract templates.
using carrier_setter = void (*)(void* carrier, const char* key, const char* value);
// Returns true and fills *value when the carrier has the key.
using carrier_getter = bool (*)(void* carrier, const char* key, std::string* value);
} // namespace impl

} // namespace v1
} // namespace autospan

#endif // AUTOSPAN_DETAIL_API_SUPPORT_H
