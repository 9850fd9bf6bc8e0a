/**
 * An app serving HTTPS (and HTTP/2) with the self-signed local CA on a real port of 127.0.0.1, on a fresh store with
 * a bootstrapped licence: what the official SDKs, which build `https://` + host, are tested against. Every request it
 * receives is recorded (method, URL, content type, body), to check what a client sends.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/app.js';
import { createCore, type Core } from '../../src/core.js';
import { ensureSelfSigned } from '../../src/http/tls.js';
import { bootstrap, type BootstrapResult } from '../../src/provisioning/bootstrap.js';
import { freshStore, testConfig, type StoreKind } from './stores.js';

export interface SeenRequest {
  method: string;
  url: string;
  contentType: string | undefined;
  /** The body's bytes as received (GET bodies included: the server ignores them, the JS SDK sends one). */
  body: string;
}

export interface TlsApp {
  app: FastifyInstance;
  core: Core;
  boot: BootstrapResult;
  port: number;
  /** The local CA (PEM) and its file. */
  ca: string;
  caFile: string;
  /** Requests received, oldest first. */
  seen: SeenRequest[];
  stop(): Promise<void>;
}

/** `o.tlsDir`: the CA and certificate's directory (shared by apps that one client trusts); default: a new one. */
export async function tlsApp(kind: StoreKind, o: { env?: Record<string, string>; tlsDir?: string } = {}): Promise<TlsApp> {
  const dir = await mkdtemp(join(tmpdir(), 'config-api-sdk-'));
  const fresh = await freshStore(kind);
  const tls = await ensureSelfSigned(o.tlsDir ?? join(dir, 'tls'));
  const caFile = tls.caFile!;
  const core = createCore(fresh.store, testConfig({ WEBHOOK_EVENT_LOG: 'all', ...o.env }));
  const app = await createApp({ core, logger: false, tls });
  const seen: SeenRequest[] = [];
  app.addHook('preParsing', async (req, _reply, payload) => {
    const entry: SeenRequest = { method: req.method, url: req.url, contentType: req.headers['content-type'], body: '' };
    seen.push(entry);
    // A copy for the body parser (GET bodies are not parsed, but what arrives is recorded all the same).
    const copy = Object.assign(new PassThrough(), { receivedEncodedLength: 0 });
    payload.on('data', (chunk: Buffer) => {
      entry.body += chunk.toString('utf8');
      copy.receivedEncodedLength += chunk.length;
    });
    payload.pipe(copy);
    return copy;
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const boot = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
  return {
    app,
    core,
    boot,
    port,
    ca: await readFile(caFile, 'utf8'),
    caFile,
    seen,
    async stop() {
      await app.close();
      await fresh.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
