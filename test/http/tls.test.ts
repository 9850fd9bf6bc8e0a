/**
 * HTTPS and HTTP/2 through a real port on 127.0.0.1, with the self-signed local CA made into a data directory: the
 * Python-SDK-style URL https://localhost:<port>/v3.5/configuration/action/<action> verified against the CA file,
 * HTTP/2 negotiated by ALPN, HTTP/1.1 still accepted; server-sent events (the journal's, the console's licence stream)
 * over HTTP/2.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import http2 from 'node:http2';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Agent, request as undiciRequest } from 'undici';
import { freshStore, postgresOrSkip, testConfig, type StoreKind } from '../support/stores.js';
import { createApp } from '../../src/app.js';
import { bootstrap, type BootstrapResult } from '../../src/provisioning/bootstrap.js';
import { createCore } from '../../src/core.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ensureSelfSigned, loadTls } from '../../src/http/tls.js';

function httpsPost(url: string, ca: string, token: string, body = '{}'): Promise<{ status: number; version: string; body: any }> {
  return new Promise((resolve, reject) => {
    // family 4: "localhost" may resolve to ::1 first, and the server listens on 127.0.0.1 only.
    const req = https.request(url, { method: 'POST', ca, family: 4, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, version: res.httpVersion, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function h2Post(origin: string, ca: string, path: string, token: string, body = '{}'): Promise<{ alpn: string | false | undefined; status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin, { ca, family: 4 } as http2.SecureClientSessionOptions);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': path, authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    let status = 0;
    const chunks: Buffer[] = [];
    req.on('response', (headers) => (status = Number(headers[':status'])));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const alpn = session.alpnProtocol;
      session.close();
      resolve({ alpn, status, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ADMIN_TOKEN = 'tls-admin-token-0123456789';

/** Open an event stream over HTTP/2 (the journal's by default), make `call` happen, and return the stream's headers and text. */
function h2Stream(
  origin: string,
  ca: string,
  path: string,
  until: string,
  call: () => Promise<unknown>,
  credentials: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` },
): Promise<{ headers: http2.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin, { ca, family: 4 } as http2.SecureClientSessionOptions);
    session.on('error', reject);
    const req = session.request({ ':method': 'GET', ':path': path, ...credentials });
    let headers: http2.IncomingHttpHeaders = {};
    let text = '';
    req.on('response', (h) => {
      headers = h;
      call().catch(reject);
    });
    req.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      if (text.includes(until)) {
        req.close();
        session.close();
        resolve({ headers, text });
      }
    });
    req.on('error', reject);
    req.end();
  });
}

for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  describe(`HTTPS and HTTP/2 [${kind}]`, async () => {
    if (kind === 'postgres' && !(await postgresOrSkip())) return;
    let dir: string;
    let app: FastifyInstance;
    let drop: () => Promise<void>;
    let ca: string;
    let caFile: string;
    let boot: BootstrapResult;
    let port: number;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'config-api-tls-'));
      const fresh = await freshStore(kind);
      drop = fresh.drop;
      const tls = await loadTls(loadConfig({ TLS: 'self-signed', DATABASE_URL: `sqlite:${join(dir, 'config.sqlite')}` }).tls);
      assert.ok(tls?.caFile);
      caFile = tls.caFile;
      assert.equal(caFile, join(dir, 'tls', 'ca.pem'));
      ca = await readFile(caFile, 'utf8');
      const core = createCore(fresh.store, testConfig({ ADMIN_TOKEN }));
      app = await createApp({ core, logger: false, tls });
      await app.listen({ port: 0, host: '127.0.0.1' });
      port = (app.server.address() as AddressInfo).port;
      boot = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
    });
    after(async () => {
      await app?.close();
      await drop?.();
      await rm(dir, { recursive: true, force: true });
    });

    it('serves the Python-SDK-style URL over HTTPS, verified against the CA file (HTTP/1.1 accepted)', async () => {
      const res = await httpsPost(`https://localhost:${port}/v3.5/configuration/action/list_agents`, ca, boot.bearer_token);
      assert.equal(res.status, 200);
      assert.equal(res.version, '1.1');
      assert.deepEqual(res.body.map((a: any) => a.id), [boot.owner.id]);
      // Same over 127.0.0.1 (IP SAN) with undici, the client behind Node's fetch.
      const dispatcher = new Agent({ connect: { ca } });
      try {
        const r = await undiciRequest(`https://127.0.0.1:${port}/v3.5/configuration/action/list_groups`, {
          method: 'POST', dispatcher, body: '{}', headers: { authorization: `Bearer ${boot.bearer_token}`, 'content-type': 'application/json' },
        });
        assert.equal(r.statusCode, 200);
        assert.equal(((await r.body.json()) as any[])[0].name, 'General');
      } finally {
        await dispatcher.close();
      }
    });

    it('negotiates HTTP/2 by ALPN', async () => {
      const res = await h2Post(`https://localhost:${port}`, ca, '/v3.5/configuration/action/list_agents', boot.bearer_token);
      assert.equal(res.alpn, 'h2');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.map((a: any) => a.id), [boot.owner.id]);
      const bad = await h2Post(`https://localhost:${port}`, ca, '/v3.5/configuration/action/list_agents', 'dal:nope');
      assert.equal(bad.status, 401);
      assert.equal(bad.body.error.type, 'authentication');
    });

    it('streams server-sent events over HTTP/2 (no connection header) and HTTP/1.1 (Connection: close)', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarning);
      try {
        const { headers, text } = await h2Stream(`https://localhost:${port}`, ca, '/admin/requests/stream', '"list_tags"', () =>
          h2Post(`https://localhost:${port}`, ca, '/v3.5/configuration/action/list_tags', boot.bearer_token),
        );
        assert.equal(headers[':status'], 200);
        assert.match(String(headers['content-type']), /^text\/event-stream/);
        assert.equal(headers.connection, undefined);
        assert.match(String(headers['x-request-id']), /^[0-9a-f-]{36}$/);
        const entry = JSON.parse(text.split('\n').find((l) => l.startsWith('data: ') && l.includes('"list_tags"'))!.slice(6));
        assert.deepEqual([entry.status, entry.license_id, entry.caller_kind], [200, boot.license_id, 'bearer']);
      } finally {
        process.off('warning', onWarning);
      }
      assert.deepEqual(warnings.filter((w) => /connection/i.test(w)), []);
      const h1 = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = https.get(`https://localhost:${port}/admin/requests/stream`, { ca, family: 4, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
          resolve(res.headers);
          res.destroy();
        });
        req.on('error', reject);
      });
      assert.equal(h1.connection, 'close');
      assert.match(String(h1['content-type']), /^text\/event-stream/);
    });

    it("streams a licence's changes to the console over HTTP/2", async () => {
      const dispatcher = new Agent({ connect: { ca } });
      let cookie: string;
      try {
        const signIn = await undiciRequest(`https://127.0.0.1:${port}/console/api/session`, {
          method: 'POST', dispatcher, body: JSON.stringify({ token: ADMIN_TOKEN }), headers: { 'content-type': 'application/json', 'x-console-request': '1' },
        });
        assert.equal(signIn.statusCode, 200);
        await signIn.body.dump();
        cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
      } finally {
        await dispatcher.close();
      }
      const origin = `https://localhost:${port}`;
      const { headers, text } = await h2Stream(origin, ca, `/console/api/licenses/${boot.license_id}/live`, 'event: changed', () =>
        h2Post(origin, ca, '/v3.5/configuration/action/create_tag', boot.bearer_token, JSON.stringify({ name: 'over-h2', group_ids: [0] })),
      { cookie });
      assert.equal(headers[':status'], 200);
      assert.equal(headers.connection, undefined);
      assert.match(text, /event: ready\ndata: \{"license_id":\d+\}\n\n/);
      assert.match(text, new RegExp(`event: changed\\ndata: \\{"license_id":${boot.license_id},"missed":false\\}`));
    });

    it('refuses clients that do not trust the CA', async () => {
      await assert.rejects(httpsPost(`https://localhost:${port}/v3.5/configuration/action/list_agents`, '', boot.bearer_token).catch((e) => {
        throw e;
      }), (e: NodeJS.ErrnoException) => /certificate|self.signed|unable to (get|verify)/i.test(`${e.code} ${e.message}`));
    });

    it('reuses the CA and certificate on later starts', async () => {
      const again = await ensureSelfSigned(join(dir, 'tls'));
      assert.equal(again.created, false);
      assert.equal(again.caFile, caFile);
      assert.equal(await readFile(caFile, 'utf8'), ca);
      const cert = new X509Certificate(again.cert);
      assert.ok(cert.verify(new X509Certificate(ca).publicKey));
      assert.ok(cert.checkHost('localhost') && cert.checkIP('127.0.0.1') && cert.checkIP('::1'));
      assert.equal(new X509Certificate(ca).ca, true);
    });
  });
}

describe('TLS configuration', () => {
  it('serves TLS_CERT/TLS_KEY files, and refuses one without the other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'config-api-tls-files-'));
    try {
      const made = await ensureSelfSigned(join(dir, 'made'));
      await writeFile(join(dir, 'cert.pem'), made.cert);
      await writeFile(join(dir, 'key.pem'), made.key);
      const cfg = loadConfig({ TLS_CERT: join(dir, 'cert.pem'), TLS_KEY: join(dir, 'key.pem') });
      assert.equal(cfg.tls.mode, 'files');
      const tls = await loadTls(cfg.tls);
      assert.equal(tls?.cert, made.cert);
      assert.equal(tls?.caFile, undefined);
      assert.throws(() => loadConfig({ TLS_CERT: join(dir, 'cert.pem') }), (e: unknown) => e instanceof ConfigError && /TLS_CERT and TLS_KEY/.test(e.message));
      assert.throws(() => loadConfig({ TLS: 'maybe' }), (e: unknown) => e instanceof ConfigError && /TLS must be one of off, self-signed/.test(e.message));
      assert.equal(loadConfig({}).tls.mode, 'off');
      assert.equal(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db', TLS: 'self-signed' }).tls.dataDir, './data');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
