/** The console's page and assets: the top-level `console/` folder, loaded once, served with a strict CSP and ETags. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../../kernel/errors.js';
import { packageRoot } from '../../package-info.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

interface Asset {
  type: string;
  body: Buffer;
  etag: string;
}

/** The files of the assets folder, loaded once (a few tens of KB). */
function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    const type = TYPES[extname(name)];
    if (!type || !statSync(file).isFile()) continue;
    const body = readFileSync(file);
    out.set(name, { type, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return out;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function sendAsset(asset: Asset, req: FastifyRequest, reply: FastifyReply) {
  reply.headers({ ...SECURITY_HEADERS, etag: asset.etag, 'cache-control': 'no-cache' });
  if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(asset.type).send(asset.body);
}

/** `GET /console`, `/console/` (the page) and `/console/assets/<file>`. */
export const assetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const assets = loadAssets(join(packageRoot(), 'console'));
  const index = assets.get('index.html');
  if (!index) throw new Error('console assets: index.html is missing');
  app.get('/console', (req, reply) => sendAsset(index, req, reply));
  app.get('/console/', (req, reply) => sendAsset(index, req, reply));
  app.get('/console/assets/:file', { schema: { params: Type.Object({ file: Type.String() }) } }, (req, reply) => {
    const asset = assets.get(req.params.file);
    if (!asset) throw new ApiError('not_found', 'No such console asset');
    return sendAsset(asset, req, reply);
  });
};
