// TLS for the test receivers: a throw-away certificate authority made with the openssl CLI at
// test time (nothing secret is ever committed), and an HTTPS variant of the OTLP/HTTP transport.
//
//   const pki = makePki(dir);   // pki.ca, pki.server.{cert,key}, pki.client.{cert,key}: file paths
//   const https = await addHttpsTransport(receiver, { pki, requireClientCert: true });
//   https.endpoint  // https://127.0.0.1:PORT
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { createHttpTransport } from './transports/http.js';

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000 });
}

// A CA, a server certificate for 127.0.0.1 (IP SAN, which is what verification checks for an
// IP endpoint) and a client certificate, all signed by the CA. `name` distinguishes two PKIs
// (e.g. the right CA and an unrelated one) in one directory.
export function makePki(dir, name = 'test') {
  fs.mkdirSync(dir, { recursive: true });
  const file = (f) => path.join(dir, `${name}-${f}`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=autospan ${name} CA`,
    '-keyout', file('ca.key'), '-out', file('ca.pem')], dir);
  const issue = (who, cn, ext) => {
    fs.writeFileSync(file(`${who}.ext`), ext);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', file(`${who}.key`), '-out', file(`${who}.csr`)], dir);
    openssl(['x509', '-req', '-days', '2', '-in', file(`${who}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
      '-CAcreateserial', '-out', file(`${who}.pem`), '-extfile', file(`${who}.ext`)], dir);
    return { cert: file(`${who}.pem`), key: file(`${who}.key`) };
  };
  const server = issue('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  const client = issue('client', 'autospan-test-client', 'extendedKeyUsage=clientAuth\n');
  return { ca: file('ca.pem'), server, client };
}

// The OTLP/HTTP transport over TLS. Client certificates are verified against the same CA.
export function createHttpsTransport(receiver, { host = '127.0.0.1', port = 0, pki, requireClientCert = false }) {
  const serverOptions = {
    key: fs.readFileSync(pki.server.key),
    cert: fs.readFileSync(pki.server.cert),
    ca: fs.readFileSync(pki.ca),
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
  };
  const transport = createHttpTransport(receiver, { host, port, createServer: https.createServer, serverOptions });
  transport.name = 'https';
  Object.defineProperty(transport, 'endpoint', { get: () => `https://${host}:${transport.port}` });
  return transport;
}

export async function addHttpsTransport(receiver, options) {
  const transport = createHttpsTransport(receiver, { host: receiver.host, ...options });
  await transport.listen();
  receiver.transports[options.name ?? 'https'] = transport;
  return transport;
}
