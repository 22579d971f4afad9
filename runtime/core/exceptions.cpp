// Naming the exception that leaves an instrumented function.
//
// In a cleanup that runs during unwinding the exception is not "current" yet, so the runtime
// records it where it starts: libautospan.so defines __cxa_throw / __cxa_rethrow, which the
// dynamic linker binds ahead of libstdc++'s (libstdc++ itself calls them through its PLT), notes
// the type, object and std::uncaught_exceptions() in thread-local storage and forwards through
// dlsym(RTLD_NEXT). The static library gets the same through `-Wl,--wrap=__cxa_throw`
// (exceptions_wrap.cpp). Without either, exits compare std::uncaught_exceptions() with its value
// at entry: the status is still ERROR, the type is unknown.
#include "clock.h"
#include "runtime.h"

#include <atomic>
#include <cxxabi.h>
#include <dlfcn.h>
#include <exception>
#include <typeinfo>

namespace autospan::internal {
namespace {

struct ThrowState {
  const std::type_info* type;
  void* object;
  std::uint64_t ticks; // when it was thrown
  std::uint32_t depth; // shadow stack depth at the throw
  int uncaught_before; // std::uncaught_exceptions() before this exception became uncaught
  // The lowest thrower's stack pointer among the exceptions in flight: frames a catch ends by
  // stack address lie above it (and so on the same stack as the throw).
  std::uintptr_t lowest_cfa;
};

__thread ThrowState t_throw __attribute__((tls_model("initial-exec"))) = {};

} // namespace

std::atomic<unsigned> g_throws_seen{0};

void note_throw(void* object, const std::type_info* type, std::uintptr_t cfa) noexcept {
  g_throws_seen.fetch_add(1, std::memory_order_relaxed);
  ThreadState* t = t_tls.state;
  if (t == nullptr || g_hot.gate.load(std::memory_order_relaxed) == kGateDisabled)
    return;
  const int uncaught = std::uncaught_exceptions();
  // A rethrow from a handler: the exception is current, not uncaught, until it leaves again.
  t_throw.lowest_cfa =
      uncaught > 0 && t_tls.exit_gate != 0 && t_throw.lowest_cfa < cfa ? t_throw.lowest_cfa : cfa;
  t_throw.type = type;
  t_throw.object = object;
  t_throw.ticks = now_ticks();
  t_throw.depth = t_tls.depth;
  t_throw.uncaught_before = uncaught;
  t_tls.exit_gate = 1;
}

// A handler is about to start in the function whose stack pointer is `cfa` (the caller of
// __cxa_begin_catch), or a landing pad in one the plugin did not instrument (the caller of
// autospan_unwound_below_v2). Frames that unwinding left without an exit (their landing pads
// removed by the plugin) and that the catching function's own landing pad did not end (it was built
// without the plugin) lie below that stack pointer: they end here, with the exception.
void note_catch(std::uintptr_t cfa) noexcept {
  unwound_below(cfa);
}

void unwound_below(std::uintptr_t cfa) noexcept {
  ThreadState* t = t_tls.state;
  if (t == nullptr || t_tls.depth == 0 || t_tls.exit_gate == 0)
    return;
  end_unwound_frames(t, 0, cfa, t_throw.lowest_cfa);
}

bool exception_unwinding(std::uint32_t index, std::uint64_t start_ticks,
                         ExceptionInfo** info) noexcept {
  int now = std::uncaught_exceptions();
  if (now <= t_throw.uncaught_before) {
    // Caught: this exit (and every later one) is a normal return.
    t_tls.exit_gate = 0;
    return false;
  }
  // Frames entered after the throw (destructors running during unwinding) return normally.
  if (index >= t_throw.depth || start_ticks > t_throw.ticks)
    return false;
  BusyScope busy;
  auto* e = new (std::nothrow) ExceptionInfo();
  if (e != nullptr)
    describe_exception(t_throw.type, t_throw.object, *e);
  *info = e;
  return true;
}

void describe_exception(const std::type_info* type, void* object, ExceptionInfo& out) noexcept {
  if (type == nullptr)
    return;
  try {
    int status = 0;
    const char* mangled = type->name();
    if (*mangled == '*')
      ++mangled;
    char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
    out.type = status == 0 && demangled ? demangled : mangled;
    std::free(demangled);
    if (object != nullptr) {
      // Does the thrown type derive from std::exception? __do_catch adjusts the pointer to the
      // base subobject the way a catch clause would.
      void* adjusted = object;
      if (typeid(std::exception).__do_catch(type, &adjusted, 1))
        out.message = static_cast<const std::exception*>(adjusted)->what();
    }
  } catch (...) {
  }
}

} // namespace autospan::internal

// Called by the interposed __cxa_throw/__cxa_rethrow/__cxa_begin_catch below or the --wrap
// variants, with their caller's stack pointer.
extern "C" __attribute__((visibility("hidden"))) void
autospan_internal_note_throw(void* object, const std::type_info* type, void* cfa) noexcept {
  autospan::internal::note_throw(object, type, reinterpret_cast<std::uintptr_t>(cfa));
}

extern "C" __attribute__((visibility("hidden"))) void
autospan_internal_note_catch(void* cfa) noexcept {
  autospan::internal::note_catch(reinterpret_cast<std::uintptr_t>(cfa));
}

#if !defined(AUTOSPAN_STATIC_RUNTIME)

namespace {
using CxaThrowFn = void (*)(void*, std::type_info*, void (*)(void*));
using CxaRethrowFn = void (*)();
using CxaBeginCatchFn = void* (*)(void*);

CxaThrowFn real_cxa_throw() noexcept {
  static CxaThrowFn fn = reinterpret_cast<CxaThrowFn>(dlsym(RTLD_NEXT, "__cxa_throw"));
  return fn;
}
CxaRethrowFn real_cxa_rethrow() noexcept {
  static CxaRethrowFn fn = reinterpret_cast<CxaRethrowFn>(dlsym(RTLD_NEXT, "__cxa_rethrow"));
  return fn;
}
CxaBeginCatchFn real_cxa_begin_catch() noexcept {
  static CxaBeginCatchFn fn =
      reinterpret_cast<CxaBeginCatchFn>(dlsym(RTLD_NEXT, "__cxa_begin_catch"));
  return fn;
}
} // namespace

// Declared inside __cxxabiv1 to match <cxxabi.h> exactly.
namespace __cxxabiv1 {
extern "C" __attribute__((visibility("default"), noreturn)) void
__cxa_throw(void* object, std::type_info* type, void (*destructor)(void*)) {
  autospan_internal_note_throw(object, type, __builtin_dwarf_cfa());
  real_cxa_throw()(object, type, destructor);
  __builtin_unreachable();
}

extern "C" __attribute__((visibility("default"), noreturn)) void __cxa_rethrow() {
  // The exception being rethrown is the one currently handled.
  std::type_info* type = abi::__cxa_current_exception_type();
  void* object = nullptr;
#if defined(__GLIBCXX__)
  {
    // libstdc++'s exception_ptr holds the thrown object's address as its only member.
    std::exception_ptr current = std::current_exception();
    static_assert(sizeof(current) == sizeof(void*), "libstdc++ exception_ptr layout");
    __builtin_memcpy(&object, &current, sizeof object);
  }
#endif
  autospan_internal_note_throw(object, type, __builtin_dwarf_cfa());
  real_cxa_rethrow()();
  __builtin_unreachable();
}

extern "C" __attribute__((visibility("default"))) void* __cxa_begin_catch(void* header) noexcept {
  autospan_internal_note_catch(__builtin_dwarf_cfa());
  return real_cxa_begin_catch()(header);
}
} // namespace __cxxabiv1

#else

#endif

namespace autospan::internal {
namespace {
struct HookProbe {};
} // namespace

bool exception_hook_active() noexcept {
  // Whether a throw reaches note_throw in this process: through our interposed __cxa_throw
  // (possibly behind a sanitizer's interceptor, which forwards to the next definition), or the
  // --wrap variant. A symbol comparison would miss the first case.
  unsigned before = g_throws_seen.load(std::memory_order_relaxed);
  try {
    throw HookProbe{};
  } catch (const HookProbe&) {
  }
  return g_throws_seen.load(std::memory_order_relaxed) != before;
}
} // namespace autospan::internal
