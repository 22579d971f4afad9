// OTLP/JSON encoding (the protobuf JSON mapping with OTLP's exceptions: trace and span ids as
// lowercase hex, enums as integers, lowerCamelCase keys). Used by the file exporter (one request
// per line) and by the http/json protocol.
#pragma once

#include "../exporter.h"
#include "partial_success.h"

#include <string>
#include <string_view>
#include <vector>

namespace autospan::internal {

// Replaces out's contents with one ExportTraceServiceRequest (no trailing newline).
void encode_otlp_json(const ExportBatch& batch, std::string& out);

// Appends `s` as a JSON string literal. Control characters are escaped; bytes that are not valid
// UTF-8 become U+FFFD (one per maximal invalid subpart, as Unicode recommends), so the output is
// always valid JSON in valid UTF-8.
void append_json_string(std::string& out, std::string_view s);

// Parses an ExportTraceServiceResponse body. Returns false on malformed JSON; an empty body or
// `{}` is a fully successful response.
bool parse_partial_success_json(std::string_view body, PartialSuccess& out);

// One decoded ExportTraceServiceRequest: the spans of every ResourceSpans/ScopeSpans, each with
// the index of its resource and scope. Accepts what encode_otlp_json writes and what other
// OTLP/JSON producers write (ids in hex, 64-bit integers as strings or numbers, enums as
// integers or names).
struct DecodedRequest {
  std::vector<Resource> resources;
  std::vector<InstrumentationScope> scopes;
  struct Entry {
    std::size_t resource = 0;
    std::size_t scope = 0;
  };
  std::vector<SpanData> spans;
  std::vector<Entry> origins; // parallel to spans
};

// Appends the request in `json` to `out`. On failure returns false and sets `error` (with the
// byte offset for syntax errors); `out` may then hold a partial result.
bool decode_otlp_json(std::string_view json, DecodedRequest& out, std::string& error);

} // namespace autospan::internal
