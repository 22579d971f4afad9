// Source annotations understood by the autospan Clang plugin and autospan-rewrite.
//
// They are `annotate` attributes under Clang and expand to nothing elsewhere (GCC warns on every
// spelling of an unknown attribute). The plugin and the rewriter (both Clang-based) read them;
// a GCC build of rewritten code does not need them because the rewriter already decided.
//
//   void hot_loop() AUTOSPAN_NO_TRACE;            // never instrument (declaration or definition)
//   class AUTOSPAN_NO_TRACE Cache { ... };        // nor anything in the class
//   namespace detail AUTOSPAN_NO_TRACE { ... }    // nor anything in the namespace (after the name:
//                                                 // Clang 14 rejects it before)
//   AUTOSPAN_TRACE void outside();                // instrument even outside the selection
//   AUTOSPAN_TRACE_AS("db.query") void q();       // ... under this span name
#ifndef AUTOSPAN_ANNOTATIONS_H
#define AUTOSPAN_ANNOTATIONS_H

// The strings below are matched by clang-plugin/selection; keep them in sync.
#define AUTOSPAN_ANNOTATION_NO_TRACE "autospan.no_trace"
#define AUTOSPAN_ANNOTATION_TRACE "autospan.trace"
#define AUTOSPAN_ANNOTATION_TRACE_AS_PREFIX "autospan.trace_as:"

#if defined(__clang__)
#define AUTOSPAN_NO_TRACE __attribute__((annotate(AUTOSPAN_ANNOTATION_NO_TRACE)))
#define AUTOSPAN_TRACE __attribute__((annotate(AUTOSPAN_ANNOTATION_TRACE)))
#define AUTOSPAN_TRACE_AS(name) __attribute__((annotate(AUTOSPAN_ANNOTATION_TRACE_AS_PREFIX name)))
#else
#define AUTOSPAN_NO_TRACE
#define AUTOSPAN_TRACE
#define AUTOSPAN_TRACE_AS(name)
#endif

#endif // AUTOSPAN_ANNOTATIONS_H
