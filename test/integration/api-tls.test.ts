import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHarness } from './api-harness.ts';
import { openHarness } from './api-harness.ts';

/**
 * The API's own TLS (API_TLS_CERT_FILE / API_TLS_KEY_FILE, a certificate
 * openssl makes here): it answers https with HSTS and refuses plain http on
 * the same port. Behind a TLS-terminating proxy (API_TRUST_PROXY), HSTS
 * follows the proxy's X-Forwarded-Proto.
 */

const exec = promisify(execFile);
let dir: string;
let h: ApiHarness;
let proxied: ApiHarness;
let ca: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chartwatch-api-tls-'));
  await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  ca = await readFile(join(dir, 'cert.pem'));
  h = await openHarness('api_tls', { env: { API_TLS_CERT_FILE: join(dir, 'cert.pem'), API_TLS_KEY_FILE: join(dir, 'key.pem') } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  proxied = await openHarness('api_tls_proxied', { env: { API_TRUST_PROXY: 'true' } });
});
afterAll(async () => {
  await h?.close();
  await proxied?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function get(port: number, secure: boolean, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)({ host: '127.0.0.1', port, path: '/me', headers, ...(secure ? { ca } : {}) }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('API transport security', () => {
  it('serves https with HSTS when given a certificate, verified against it as CA', async () => {
    const port = (h.app.server.address() as AddressInfo).port;
    const res = await get(port, true, h.as.analyst);
    expect(res.status, res.body).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    // Plain http on the TLS port gets no answer from the API.
    const plain = await get(port, false, h.as.analyst).catch((err: unknown) => ({ status: 0, headers: {}, body: String(err) }));
    expect(plain.status === 0 || plain.status === 400).toBe(true);
  });

  it('behind a trusted TLS-terminating proxy, sends HSTS only on what came in over https', async () => {
    const viaHttps = await proxied.app.inject({ url: '/me', headers: { ...proxied.as.analyst, 'x-forwarded-proto': 'https' } });
    expect(viaHttps.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const viaHttp = await proxied.app.inject({ url: '/me', headers: proxied.as.analyst });
    expect(viaHttp.headers['strict-transport-security']).toBeUndefined();
  });
});
