// OTLP/protobuf encoding of an export batch, hand-written on the wire format
// (opentelemetry/proto/collector/trace/v1/trace_service.proto and the messages it uses).
#pragma once

#include "../exporter.h"
#include "partial_success.h"
#include "proto_writer.h"

#include <cstddef>
#include <cstdint>

namespace autospan::internal {

// Replaces out's contents with one ExportTraceServiceRequest holding the batch (one
// ResourceSpans, one ScopeSpans). Reusing `out` across calls avoids all allocation once its
// capacity has grown to the batch size.
void encode_otlp_protobuf(const ExportBatch& batch, ProtoWriter& out);

// The same request without the batch's encoded_spans bytes, which follow `out` on the wire
// unchanged (the lengths account for them): spans encoded by the batch worker are sent as they
// are, never copied.
void encode_otlp_protobuf_head(const ExportBatch& batch, ProtoWriter& out);

// Parses an ExportTraceServiceResponse. Returns false when the bytes are not a valid message;
// an empty body is a valid, fully successful response.
bool parse_partial_success_protobuf(const std::uint8_t* data, std::size_t size,
                                    PartialSuccess& out);

} // namespace autospan::internal
