// The static runtime's exception hook: consumers link with -Wl,--wrap=__cxa_throw (and
// __cxa_rethrow), which routes their throws here. This object is only pulled out of
// libautospan.a by that option, so a link without it still succeeds (and reports exception types
// as unknown). The catch hook is in exceptions_wrap_catch.cpp, pulled in by its own option.
#include <cxxabi.h>
#include <exception>
#include <typeinfo>

extern "C" void autospan_internal_note_throw(void* object, const std::type_info* type,
                                             void* cfa) noexcept;

extern "C" [[noreturn]] void __real___cxa_throw(void*, std::type_info*, void (*)(void*));
extern "C" [[noreturn]] void __real___cxa_rethrow();

extern "C" [[noreturn]] void __wrap___cxa_throw(void* object, std::type_info* type,
                                                void (*destructor)(void*)) {
  autospan_internal_note_throw(object, type, __builtin_dwarf_cfa());
  __real___cxa_throw(object, type, destructor);
}

extern "C" [[noreturn]] void __wrap___cxa_rethrow() {
  std::type_info* type = abi::__cxa_current_exception_type();
  void* object = nullptr;
#if defined(__GLIBCXX__)
  std::exception_ptr current = std::current_exception();
  __builtin_memcpy(&object, &current, sizeof object);
#endif
  autospan_internal_note_throw(object, type, __builtin_dwarf_cfa());
  __real___cxa_rethrow();
}
