// TLS against real loopback peers: an HTTPS OTLP receiver (Node's TLS stack) and an OTLP/gRPC
// receiver over TLS (@grpc/grpc-js), with a certificate authority made by the openssl CLI at test
// time. Covers OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE, _CLIENT_KEY, _CLIENT_CERTIFICATE, the
// failures when verification cannot succeed, and that header values (tokens) never reach the log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Receiver, parseFaultSpec } from '../peers/index.js';
import { addHttpsTransport, makePki } from '../peers/lib/tls.js';
import { addGrpcTransport } from '../peers/lib/transports/grpc.js';
import { assertExit0, describeRun, runProbe, tempDir } from './lib/common.mjs';

const TREE_SPANS = 10; // run, stage x2, leaf x2, a lambda, fail_on_purpose; on the worker: worker_task, stage, leaf
const TOKEN = 'tok-7f3a9c1e5d2b4a68';
const HEADERS = `authorization=Bearer%20${TOKEN},x-tenant=acme`;

let dir;
let pki; // the receivers' CA
let otherPki; // an unrelated CA: trusting it must not be enough
before(() => {
  dir = tempDir('tls');
  pki = makePki(dir, 'right');
  otherPki = makePki(dir, 'other');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// A receiver with only a TLS listener: https (OTLP/HTTP) or grpc.
async function tlsReceiver(kind, { requireClientCert = false } = {}) {
  const receiver = new Receiver();
  const transport = kind === 'grpc'
    ? await addGrpcTransport(receiver, { tls: { key: fs.readFileSync(pki.server.key), cert: fs.readFileSync(pki.server.cert), ca: fs.readFileSync(pki.ca), requireClientCert } })
    : await addHttpsTransport(receiver, { pki, requireClientCert });
  return { receiver, endpoint: transport.endpoint };
}

async function exportOver(kind, env, { requireClientCert = false, faults = [], expect = TREE_SPANS } = {}) {
  const { receiver, endpoint } = await tlsReceiver(kind, { requireClientCert });
  try {
    for (const f of faults) receiver.faults.push(parseFaultSpec(f));
    const protocol = kind === 'grpc' ? { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } : {};
    const run = await runProbe(receiver, ['tree'], { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TIMEOUT: '3000', ...protocol, ...env }, { expect, waitMs: expect ? 3000 : 0 });
    return { run, spans: receiver.spans(), requests: receiver.requests() };
  } finally {
    await receiver.close();
  }
}

const clientCert = () => ({ OTEL_EXPORTER_OTLP_CLIENT_KEY: pki.client.key, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: pki.client.cert });

for (const kind of ['https', 'grpc']) {
  describe(`${kind === 'grpc' ? 'OTLP/gRPC' : 'OTLP/HTTP'} over TLS`, () => {
    test('the CA from OTEL_EXPORTER_OTLP_CERTIFICATE verifies the receiver', async () => {
      const { run, spans, requests } = await exportOver(kind, { OTEL_EXPORTER_OTLP_CERTIFICATE: pki.ca });
      assertExit0(run, spans);
      assert.equal(spans.length, TREE_SPANS, describeRun(run, spans));
      assert.ok(requests.every((r) => r.error === null));
    });

    test('without the CA (system store only) verification fails: nothing is sent, one clear error', async () => {
      // A 10 s export timeout: retrying (1 s, 1.5 s, 2.25 s, ... backoff) would take most of it.
      const { run, spans, requests } = await exportOver(kind, { OTEL_EXPORTER_OTLP_TIMEOUT: '10000' }, { expect: 0 });
      assertExit0(run, spans);
      assert.equal(requests.length, 0, 'no request got through the handshake');
      assert.match(run.stderr, /certificate|SSL|TLS/i, describeRun(run));
      assert.match(run.stderr, /failed after 1 attempt/, 'certificate problems are not retried');
      assert.ok(run.elapsedMs < 5000, `certificate problems are not retried (took ${run.elapsedMs} ms)`);
    });

    test('an unrelated CA does not verify the receiver', async () => {
      const { run, requests } = await exportOver(kind, { OTEL_EXPORTER_OTLP_CERTIFICATE: otherPki.ca }, { expect: 0 });
      assertExit0(run);
      assert.equal(requests.length, 0, describeRun(run));
      assert.match(run.stderr, /certificate|SSL|TLS/i, describeRun(run));
    });

    test('OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE wins over OTEL_EXPORTER_OTLP_CERTIFICATE', async () => {
      const { run, spans } = await exportOver(kind, { OTEL_EXPORTER_OTLP_CERTIFICATE: otherPki.ca, OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: pki.ca });
      assertExit0(run, spans);
      assert.equal(spans.length, TREE_SPANS, describeRun(run, spans));
    });

    test('mTLS: with OTEL_EXPORTER_OTLP_CLIENT_KEY/_CLIENT_CERTIFICATE the receiver accepts', async () => {
      const { run, spans } = await exportOver(kind, { OTEL_EXPORTER_OTLP_CERTIFICATE: pki.ca, ...clientCert() }, { requireClientCert: true });
      assertExit0(run, spans);
      assert.equal(spans.length, TREE_SPANS, describeRun(run, spans));
    });

    test('mTLS: the _TRACES_ variants of the client key and certificate', async () => {
      const { run, spans } = await exportOver(kind, {
        OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: pki.ca,
        OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: pki.client.key,
        OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: pki.client.cert,
      }, { requireClientCert: true });
      assertExit0(run, spans);
      assert.equal(spans.length, TREE_SPANS, describeRun(run, spans));
    });

    test('mTLS: without a client certificate the receiver refuses, and the program still exits promptly', async () => {
      const { run, spans, requests } = await exportOver(kind, { OTEL_EXPORTER_OTLP_CERTIFICATE: pki.ca }, { requireClientCert: true, expect: 0 });
      assertExit0(run, spans);
      assert.equal(requests.length, 0, describeRun(run));
      assert.equal(spans.length, 0);
      assert.ok(run.elapsedMs < 10000, `took ${run.elapsedMs} ms`);
      assert.match(run.stderr, /autospan: warning: export to https:\/\/127.0.0.1:\d+\/\S+ failed/, describeRun(run));
    });

    test('the header token travels over TLS and never appears in stderr at AUTOSPAN_LOG_LEVEL=debug', async () => {
      // Success, a rejection whose message echoes the token, and a failed handshake: all logged
      // at debug, none may print the token.
      const ok = await exportOver(kind, { OTEL_EXPORTER_OTLP_CERTIFICATE: pki.ca, OTEL_EXPORTER_OTLP_HEADERS: HEADERS, AUTOSPAN_LOG_LEVEL: 'debug' });
      assertExit0(ok.run, ok.spans);
      assert.equal(ok.requests[0].headers.authorization, `Bearer ${TOKEN}`, 'the receiver got the header, percent-decoded');
      assert.equal(ok.requests[0].headers['x-tenant'], 'acme');

      const echoed = await exportOver(kind, { OTEL_EXPORTER_OTLP_CERTIFICATE: pki.ca, OTEL_EXPORTER_OTLP_HEADERS: HEADERS, AUTOSPAN_LOG_LEVEL: 'debug' },
        { faults: [`401:message=${encodeURIComponent(`bad token Bearer ${TOKEN}`)}`], expect: 0 });
      assert.equal(echoed.requests.length, 1, describeRun(echoed.run));
      assert.match(echoed.run.stderr, /REDACTED/, 'the echoed token was redacted, not dropped silently');

      const refused = await exportOver(kind, { OTEL_EXPORTER_OTLP_HEADERS: HEADERS, AUTOSPAN_LOG_LEVEL: 'debug' }, { expect: 0 });
      for (const { run } of [ok, echoed, refused]) {
        assert.ok(run.stderr.includes('autospan:'), 'debug logging produced output');
        assert.ok(!run.stderr.includes(TOKEN), `token leaked into stderr:\n${run.stderr}`);
        assert.ok(!run.stdout.includes(TOKEN), 'token leaked into stdout');
      }
    });
  });
}

test('the TLS material was made at test time in a private temp directory', () => {
  for (const f of [pki.ca, pki.server.cert, pki.server.key, pki.client.cert, pki.client.key]) {
    assert.ok(f.startsWith(dir + path.sep), f);
    assert.ok(fs.statSync(f).size > 0, f);
  }
});
