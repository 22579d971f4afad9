// The real OpenTelemetry JS SDK (npm, installed in test/peers): a tracer provider exporting
// OTLP/protobuf with the SDK's own exporter, and the SDK's W3C trace-context + baggage
// propagators. No context manager is registered: contexts are passed explicitly, which keeps
// the peer independent of async-hooks plumbing.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../peers/package.json', import.meta.url));
export const api = require('@opentelemetry/api');
const { BasicTracerProvider, SimpleSpanProcessor, AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler } = require('@opentelemetry/sdk-trace-base');
const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = require('@opentelemetry/core');
const { defaultResource, resourceFromAttributes } = require('@opentelemetry/resources');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');

// Read from disk: some of these packages do not export ./package.json.
const versionOf = (name) => JSON.parse(fs.readFileSync(new URL(`../../peers/node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
export const SDK_VERSIONS = {
  api: versionOf('@opentelemetry/api'),
  sdkTraceBase: versionOf('@opentelemetry/sdk-trace-base'),
  core: versionOf('@opentelemetry/core'),
  exporter: versionOf('@opentelemetry/exporter-trace-otlp-proto'),
};

// tracesUrl: the receiver's full OTLP/HTTP traces URL. sampler: 'parentbased_always_on'
// (the SDK default) or 'always_off'.
export function createJsSdk({ serviceName, tracesUrl, sampler = 'parentbased_always_on' }) {
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': serviceName })),
    sampler: sampler === 'always_off' ? new AlwaysOffSampler() : new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    // Simple processor: each span is exported as it ends, so a test never waits for a batch timer.
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: tracesUrl }))],
  });
  const tracer = provider.getTracer('autospan-interop-js', '1.0.0');
  const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

  const extract = (headers) => propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter);
  const inject = (ctx) => {
    const carrier = {};
    propagator.inject(ctx, carrier, api.defaultTextMapSetter);
    return carrier;
  };
  const withBaggage = (ctx, entries) => {
    let bag = api.propagation.getBaggage(ctx) ?? api.propagation.createBaggage();
    for (const [k, v] of Object.entries(entries)) bag = bag.setEntry(k, { value: v });
    return api.propagation.setBaggage(ctx, bag);
  };
  const baggageOf = (ctx) => Object.fromEntries((api.propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([k, e]) => [k, e.value]));
  const startSpan = (name, options, ctx) => {
    const span = tracer.startSpan(name, options, ctx);
    return { span, ctx: api.trace.setSpan(ctx, span) };
  };

  return { provider, tracer, propagator, extract, inject, withBaggage, baggageOf, startSpan, api };
}
