// longjmp skips the exit hooks of every instrumented frame between the jump and its target.
//
// Resynchronising on the next exit (hot_path.cpp) comes too late: a function called after the
// jump would become a child of a frame the jump already left. Resynchronising at the next entry
// from stack addresses cannot work either: an instrumented callee inlined into its caller shares
// the caller's stack frame, exactly like a sibling called after a jump from the same frame, so
// no comparison of stack pointers tells "child of a live frame" from "sibling of a dead one".
//
// What does know is setjmp: the frames open when setjmp is called are exactly the frames still
// open when a longjmp returns to it. libautospan.so defines the setjmp family (small assembly
// trampolines that note (jmp_buf, depth) and tail-jump to glibc's __sigsetjmp, so the real one
// sees its caller's stack unchanged) and the longjmp family (ends the frames above the noted
// depth, marked unfinished, then forwards). Nothing of this runs on the enter/exit hot path.
// The static runtime gets the same through `-Wl,--wrap` (see runtime/CMakeLists.txt).
// Elsewhere than x86-64 the setjmp trampolines are absent and the exit-time resync applies.
#include "clock.h"
#include "runtime.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>

namespace autospan::internal {

void note_setjmp(const void* env) noexcept {
  ThreadState* t = t_tls.state;
  if (t == nullptr)
    return;
  for (JumpTarget& j : t->jumps)
    if (j.env == env) {
      j.depth = t_tls.depth;
      return;
    }
  JumpTarget& j = t->jumps[t->jump_next++ % kJumpTargets];
  j.env = env;
  j.depth = t_tls.depth;
}

void note_longjmp(const void* env) noexcept {
  ThreadState* t = t_tls.state;
  // Jumping out of the runtime itself (a signal handler that interrupted it): its locks may be
  // held, so leave the frames to the exit-time resync.
  if (t == nullptr || (t_tls.gate & kTlsBusy))
    return;
  for (JumpTarget& j : t->jumps) {
    if (j.env != env)
      continue;
    if (j.depth < t_tls.depth)
      end_frames_above(t, j.depth, now_ticks());
    return;
  }
}

} // namespace autospan::internal

#if !defined(AUTOSPAN_STATIC_RUNTIME)
namespace {

using LongjmpFn = void (*)(void*, int);

void* next_symbol(const char* name) noexcept {
  void* p = dlsym(RTLD_NEXT, name);
  if (p == nullptr) {
    std::fprintf(stderr, "autospan: cannot find the C library's %s\n", name);
    std::abort();
  }
  return p;
}

} // namespace
#endif

// Called by the trampolines: returns the C library's __sigsetjmp to jump to.
extern "C" __attribute__((visibility("hidden"))) void*
autospan_internal_setjmp(const void* env) noexcept {
  autospan::internal::note_setjmp(env);
#if defined(AUTOSPAN_STATIC_RUNTIME)
  return nullptr; // unused: the --wrap trampolines jump to __real_* directly
#else
  // An atomic, not a function-local static: the first calls can come from inside the sanitizers'
  // own interceptors (TSan's pthread_cond_wait calls setjmp) on several threads at once, where a
  // guard variable's synchronisation is not seen. dlsym returns the same address to every racer.
  static std::atomic<void*> real{nullptr};
  void* p = real.load(std::memory_order_acquire);
  if (p == nullptr) {
    p = next_symbol("__sigsetjmp");
    real.store(p, std::memory_order_release);
  }
  return p;
#endif
}

extern "C" __attribute__((visibility("hidden"))) void
autospan_internal_longjmp(const void* env) noexcept {
  autospan::internal::note_longjmp(env);
}

#if !defined(AUTOSPAN_STATIC_RUNTIME)

// Declared without <setjmp.h>: its prototypes (jmp_buf arrays, noreturn) are not needed to
// forward, and would clash with these definitions' parameter types.
#define AUTOSPAN_DEFINE_LONGJMP(name)                                                              \
  extern "C" __attribute__((visibility("default"), noreturn)) void name(void* env, int value) {    \
    autospan_internal_longjmp(env);                                                                \
    static std::atomic<void*> real{nullptr}; /* see autospan_internal_setjmp */                    \
    void* p = real.load(std::memory_order_acquire);                                                \
    if (p == nullptr) {                                                                            \
      p = next_symbol(#name);                                                                      \
      real.store(p, std::memory_order_release);                                                    \
    }                                                                                              \
    reinterpret_cast<LongjmpFn>(p)(env, value);                                                    \
    __builtin_unreachable();                                                                       \
  }
AUTOSPAN_DEFINE_LONGJMP(longjmp)
AUTOSPAN_DEFINE_LONGJMP(_longjmp)
AUTOSPAN_DEFINE_LONGJMP(siglongjmp)
AUTOSPAN_DEFINE_LONGJMP(__longjmp_chk)
#undef AUTOSPAN_DEFINE_LONGJMP

#if defined(__x86_64__)
// setjmp(env) = __sigsetjmp(env, 1), _setjmp(env) = __sigsetjmp(env, 0), as in glibc. The stack
// and the callee-saved registers must reach __sigsetjmp exactly as the caller left them: only
// caller-saved registers are used, and the final jump leaves the caller's return address on top.
asm(R"(
  .text
  .p2align 4
  .type autospan_setjmp_common,@function
autospan_setjmp_common:
  pushq %rdi
  pushq %rsi
  subq $8, %rsp
  call autospan_internal_setjmp
  addq $8, %rsp
  popq %rsi
  popq %rdi
  jmp *%rax
  .size autospan_setjmp_common, .-autospan_setjmp_common

  .globl setjmp
  .type setjmp,@function
  .p2align 4
setjmp:
  movl $1, %esi
  jmp autospan_setjmp_common
  .size setjmp, .-setjmp

  .globl _setjmp
  .type _setjmp,@function
  .p2align 4
_setjmp:
  xorl %esi, %esi
  jmp autospan_setjmp_common
  .size _setjmp, .-_setjmp

  .globl __sigsetjmp
  .type __sigsetjmp,@function
  .p2align 4
__sigsetjmp:
  jmp autospan_setjmp_common
  .size __sigsetjmp, .-__sigsetjmp
)");
#endif

#else // AUTOSPAN_STATIC_RUNTIME: the --wrap variants

extern "C" [[noreturn]] void __real_longjmp(void*, int);
extern "C" [[noreturn]] void __real__longjmp(void*, int);
extern "C" [[noreturn]] void __real_siglongjmp(void*, int);
extern "C" [[noreturn]] void __real___longjmp_chk(void*, int);

#define AUTOSPAN_DEFINE_WRAP_LONGJMP(name)                                                         \
  extern "C" [[noreturn]] void __wrap_##name(void* env, int value) {                               \
    autospan_internal_longjmp(env);                                                                \
    __real_##name(env, value);                                                                     \
  }
AUTOSPAN_DEFINE_WRAP_LONGJMP(longjmp)
AUTOSPAN_DEFINE_WRAP_LONGJMP(_longjmp)
AUTOSPAN_DEFINE_WRAP_LONGJMP(siglongjmp)
AUTOSPAN_DEFINE_WRAP_LONGJMP(__longjmp_chk)
#undef AUTOSPAN_DEFINE_WRAP_LONGJMP

#if defined(__x86_64__)
asm(R"(
  .text
  .globl __wrap__setjmp
  .type __wrap__setjmp,@function
  .p2align 4
__wrap__setjmp:
  pushq %rdi
  subq $8, %rsp
  call autospan_internal_setjmp
  addq $8, %rsp
  popq %rdi
  jmp __real__setjmp
  .size __wrap__setjmp, .-__wrap__setjmp

  .globl __wrap___sigsetjmp
  .type __wrap___sigsetjmp,@function
  .p2align 4
__wrap___sigsetjmp:
  pushq %rdi
  pushq %rsi
  subq $8, %rsp
  call autospan_internal_setjmp
  addq $8, %rsp
  popq %rsi
  popq %rdi
  jmp __real___sigsetjmp
  .size __wrap___sigsetjmp, .-__wrap___sigsetjmp
)");
#endif

#endif
