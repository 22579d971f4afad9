// OTLP trace decoding with the official OpenTelemetry schema, and normalisation of what was
// decoded into plain JS values that tests can compare directly.
//
// The schema is the protobufjs code that @opentelemetry/otlp-transformer 0.216.0 generated from
// opentelemetry-proto (later versions stopped shipping it). Protobuf bodies are decoded by it;
// OTLP/JSON bodies are mapped onto the same messages with its fromObject(), after the two places
// where OTLP/JSON deviates from the proto3 JSON mapping (hex ids, integer enums) are handled, so
// both encodings go through one schema and one normaliser.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const protobuf = require('protobufjs/minimal');

const proto = root.opentelemetry.proto;
export const ExportTraceServiceRequest = proto.collector.trace.v1.ExportTraceServiceRequest;
export const ExportTraceServiceResponse = proto.collector.trace.v1.ExportTraceServiceResponse;

export const SPAN_KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
export const STATUS_CODES = ['UNSET', 'OK', 'ERROR'];

export class DecodeError extends Error {}

function toHex(bytes) {
  if (bytes == null) return '';
  return Buffer.from(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.length).toString('hex');
}

// int64/uint64 fields arrive as Long (protobuf) or numbers: keep nanosecond timestamps exact as
// decimal strings, and give tests a BigInt when they need arithmetic.
function longToString(v) {
  if (v == null) return '0';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return v;
  return v.toString();
}

function longToJs(v) {
  const s = longToString(v);
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : s;
}

function own(obj, key) {
  return obj != null && Object.prototype.hasOwnProperty.call(obj, key) && obj[key] != null;
}

// AnyValue -> plain JS value. Arrays and kvlists recurse; bytes become hex.
export function anyValueToJs(v) {
  if (v == null) return null;
  if (own(v, 'stringValue')) return v.stringValue;
  if (own(v, 'boolValue')) return v.boolValue;
  if (own(v, 'intValue')) return longToJs(v.intValue);
  if (own(v, 'doubleValue')) return v.doubleValue;
  if (own(v, 'arrayValue')) return (v.arrayValue.values || []).map(anyValueToJs);
  if (own(v, 'kvlistValue')) return attributesToObject(v.kvlistValue.values || []).attributes;
  if (own(v, 'bytesValue')) return toHex(v.bytesValue);
  return null;
}

// KeyValue list -> { attributes: {key: value}, duplicates: [key...] }. Duplicate keys are a
// producer bug the spec forbids; they are reported rather than silently merged.
export function attributesToObject(list) {
  const attributes = {};
  const duplicates = [];
  for (const kv of list || []) {
    if (Object.prototype.hasOwnProperty.call(attributes, kv.key)) duplicates.push(kv.key);
    attributes[kv.key] = anyValueToJs(kv.value);
  }
  return { attributes, duplicates };
}

function normaliseSpan(span, resource, scope, meta) {
  const attrs = attributesToObject(span.attributes);
  const start = longToString(span.startTimeUnixNano);
  const end = longToString(span.endTimeUnixNano);
  const statusCode = span.status?.code ?? 0;
  return {
    traceId: toHex(span.traceId),
    spanId: toHex(span.spanId),
    parentSpanId: toHex(span.parentSpanId),
    traceState: span.traceState || '',
    flags: span.flags || 0,
    name: span.name,
    kind: SPAN_KINDS[span.kind] ?? String(span.kind),
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    durationNs: Number(BigInt(end) - BigInt(start)),
    attributes: attrs.attributes,
    duplicateAttributeKeys: attrs.duplicates,
    droppedAttributesCount: span.droppedAttributesCount || 0,
    events: (span.events || []).map((e) => ({
      name: e.name,
      timeUnixNano: longToString(e.timeUnixNano),
      attributes: attributesToObject(e.attributes).attributes,
      droppedAttributesCount: e.droppedAttributesCount || 0,
    })),
    droppedEventsCount: span.droppedEventsCount || 0,
    links: (span.links || []).map((l) => ({
      traceId: toHex(l.traceId),
      spanId: toHex(l.spanId),
      traceState: l.traceState || '',
      flags: l.flags || 0,
      attributes: attributesToObject(l.attributes).attributes,
    })),
    droppedLinksCount: span.droppedLinksCount || 0,
    status: { code: STATUS_CODES[statusCode] ?? String(statusCode), message: span.status?.message || '' },
    resource,
    scope,
    ...meta,
  };
}

// ExportTraceServiceRequest message -> array of normalised spans, each carrying its resource
// and instrumentation scope (so a test never has to walk the nesting).
export function normaliseRequest(message, meta = {}) {
  const spans = [];
  for (const rs of message.resourceSpans || []) {
    const resAttrs = attributesToObject(rs.resource?.attributes);
    const resource = {
      attributes: resAttrs.attributes,
      duplicateAttributeKeys: resAttrs.duplicates,
      schemaUrl: rs.schemaUrl || '',
    };
    for (const ss of rs.scopeSpans || []) {
      const scope = {
        name: ss.scope?.name || '',
        version: ss.scope?.version || '',
        attributes: attributesToObject(ss.scope?.attributes).attributes,
        schemaUrl: ss.schemaUrl || '',
      };
      for (const span of ss.spans || []) spans.push(normaliseSpan(span, resource, scope, meta));
    }
  }
  return spans;
}

export function decodeProtobuf(body) {
  try {
    return ExportTraceServiceRequest.decode(body);
  } catch (e) {
    throw new DecodeError(`protobuf decode failed: ${e.message}`);
  }
}

const HEX_ID_FIELDS = { traceId: 32, spanId: 16, parentSpanId: 16 };

// OTLP/JSON differs from proto3 JSON in two ways (OTLP spec, "JSON Protobuf Encoding"): trace and
// span ids are hex strings, not base64, and enums are integers. Ids are converted to bytes here
// (fromObject would base64-decode them); problems are collected as warnings so tests can insist
// that an exporter's JSON is clean while the receiver still accepts what the spec allows.
function prepareJsonIds(node, path, warnings) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => prepareJsonIds(item, `${path}[${i}]`, warnings));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key in HEX_ID_FIELDS && typeof value === 'string') {
      const here = `${path}.${key}`;
      if (value === '' && key === 'parentSpanId') {
        node[key] = new Uint8Array(0);
        continue;
      }
      if (!/^[0-9a-fA-F]*$/.test(value) || value.length !== HEX_ID_FIELDS[key]) {
        throw new DecodeError(`${here}: expected ${HEX_ID_FIELDS[key]} hex digits, got ${JSON.stringify(value)}`);
      }
      if (value !== value.toLowerCase()) warnings.push(`${here}: upper-case hex`);
      node[key] = Uint8Array.from(Buffer.from(value, 'hex'));
    } else if ((key === 'kind' || key === 'code') && typeof value === 'string') {
      warnings.push(`${path}.${key}: enum given as a name (${value}); OTLP/JSON requires integers`);
    } else {
      prepareJsonIds(value, `${path}.${key}`, warnings);
    }
  }
}

// Keys the OTLP JSON mapping knows, per message; anything else is reported (receivers must
// ignore unknown fields, but in our own exporter an unknown key is a typo).
const KNOWN_KEYS = new Set([
  'resourceSpans', 'resource', 'scopeSpans', 'schemaUrl', 'attributes', 'droppedAttributesCount',
  'scope', 'name', 'version', 'spans', 'traceId', 'spanId', 'traceState', 'parentSpanId', 'flags',
  'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'events', 'droppedEventsCount', 'links',
  'droppedLinksCount', 'status', 'code', 'message', 'timeUnixNano', 'key', 'value', 'stringValue',
  'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue', 'values',
  'entityRefs',
]);

function checkKeys(node, path, warnings) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => checkKeys(item, `${path}[${i}]`, warnings));
    return;
  }
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
  for (const [key, value] of Object.entries(node)) {
    if (!KNOWN_KEYS.has(key)) warnings.push(`${path}.${key}: unknown field`);
    checkKeys(value, `${path}.${key}`, warnings);
  }
}

export function decodeJson(text) {
  let parsed;
  try {
    parsed = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (e) {
    throw new DecodeError(`JSON parse failed: ${e.message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DecodeError('JSON body is not an ExportTraceServiceRequest object');
  }
  const warnings = [];
  checkKeys(parsed, '$', warnings);
  prepareJsonIds(parsed, '$', warnings);
  let message;
  try {
    message = ExportTraceServiceRequest.fromObject(parsed);
  } catch (e) {
    throw new DecodeError(`JSON does not match the OTLP schema: ${e.message}`);
  }
  // fromObject coerces leniently; a protobuf round trip plus verify() rejects what it let through.
  const roundTripped = ExportTraceServiceRequest.decode(ExportTraceServiceRequest.encode(message).finish());
  const problem = ExportTraceServiceRequest.verify(roundTripped);
  if (problem) throw new DecodeError(`JSON does not match the OTLP schema: ${problem}`);
  return { message: roundTripped, warnings };
}

// Responses. Success bodies are ExportTraceServiceResponse; error bodies are google.rpc.Status
// (code = 1, message = 2), which the generated schema lacks, so it is written field by field.
export function encodeResponse(partialSuccess, asJson) {
  const object = partialSuccess
    ? { partialSuccess: { rejectedSpans: partialSuccess.rejectedSpans ?? 0, errorMessage: partialSuccess.errorMessage ?? '' } }
    : {};
  if (asJson) {
    const json = partialSuccess
      ? { partialSuccess: { rejectedSpans: String(object.partialSuccess.rejectedSpans), errorMessage: object.partialSuccess.errorMessage } }
      : {};
    return Buffer.from(JSON.stringify(json));
  }
  return Buffer.from(ExportTraceServiceResponse.encode(ExportTraceServiceResponse.fromObject(object)).finish());
}

export function encodeStatus(code, message, asJson) {
  if (asJson) return Buffer.from(JSON.stringify({ code, message }));
  const w = protobuf.Writer.create();
  if (code) w.uint32(8).int32(code);
  if (message) w.uint32(18).string(message);
  return Buffer.from(w.finish());
}

// For the receiver's own tests and for JS peers that must produce OTLP: plain object -> bytes.
export function encodeRequest(object) {
  return Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(object)).finish());
}
