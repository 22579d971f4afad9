// The static runtime's catch hook: consumers link with -Wl,--wrap=__cxa_begin_catch, which routes
// their catches here (exceptions.cpp, note_catch: frames an exception left without landing pads).
// An object of its own, pulled out of libautospan.a only by that option: a link that wraps
// __cxa_throw alone (an older autospan's flags) still succeeds.
extern "C" void autospan_internal_note_catch(void* cfa) noexcept;
extern "C" void* __real___cxa_begin_catch(void* header) noexcept;

extern "C" void* __wrap___cxa_begin_catch(void* header) noexcept {
  autospan_internal_note_catch(__builtin_dwarf_cfa());
  return __real___cxa_begin_catch(header);
}
