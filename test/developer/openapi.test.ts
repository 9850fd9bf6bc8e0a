/**
 * GET /openapi.json: generated from the registry, valid OpenAPI 3.1 (checked by @readme/openapi-parser), one POST
 * path per action and batch endpoint with the request, 200 and error schemas; extensions add other routes.
 * The answers' conformance to these schemas is checked on every harness call (test/support/response-check.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validate, compileErrors } from '@readme/openapi-parser';
import { describeStores, type Harness } from '../support/harness.js';
import { buildRegistry } from '../../src/areas.js';
import { buildOpenApiDocument, jsonSchema } from '../../src/http/openapi.js';
import { ApiError, ERROR_TYPES } from '../../src/kernel/errors.js';
import { compileValidator } from '../../src/kernel/validation.js';
import { checkAnswer } from '../support/response-check.js';
import { Type } from '@sinclair/typebox';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/processes.js';

/** The reference, beside the checkout (`../shared/spec`), as the project's README says. */
const SPEC = join(ROOT, '../shared/spec/configuration-api-v3.5.md');

describe('OpenAPI document (generated)', () => {
  const registry = buildRegistry();

  it('every request schema compiles (validators compile on their first call, so a broken schema would surface here, not in production)', () => {
    for (const ep of registry.endpoints()) {
      const validate = ep.batch ? compileValidator(ep.request) : ep.action.validate;
      try {
        validate({});
      } catch (err) {
        assert.ok(err instanceof ApiError && err.type === 'validation', `${ep.name}: ${(err as Error).message}`);
      }
    }
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = buildOpenApiDocument(registry) as any;
    assert.equal(doc.openapi, '3.1.0');
    // validate() dereferences in place: give it a copy.
    const result = await validate(structuredClone(doc));
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  });

  it('has one POST path per action and per batch endpoint: 54 + 9', () => {
    const doc = buildOpenApiDocument(registry) as any;
    const paths = Object.keys(doc.paths);
    assert.equal(registry.actions.size, 54);
    assert.equal(registry.batches.size, 9);
    assert.equal(paths.length, 63);
    for (const ep of registry.endpoints()) {
      const op = doc.paths[`/v3.5/configuration/action/${ep.name}`]?.post;
      assert.ok(op, `no path for ${ep.name}`);
      assert.equal(op.operationId, ep.name);
      assert.equal(op.tags.length, 1);
      assert.ok(op.summary, `${ep.name} has no summary`);
      assert.deepEqual(op.requestBody.content['application/json'].schema, jsonSchema(ep.request));
      assert.deepEqual(op.responses['200'].content['application/json'].schema, jsonSchema(ep.response));
      // Every error type of the README's table appears with its status (auth errors only where auth applies).
      for (const [type, { status }] of Object.entries(ERROR_TYPES)) {
        const auth = ['authentication', 'authorization', 'license_expired', 'misdirected_request'].includes(type);
        const res = op.responses[String(status)];
        if (ep.action.auth === 'none' && auth) continue;
        assert.ok(res, `${ep.name}: no ${status} response`);
        const typeSchema = res.content['application/json'].schema.properties.error.properties.type;
        const types = typeSchema.anyOf ? typeSchema.anyOf.map((s: any) => s.const) : [typeSchema.const];
        assert.ok(types.includes(type), `${ep.name}: ${type} missing under ${status}`);
      }
      assert.ok(op.responses['429'].headers['Retry-After'] || ep.action.auth === 'none');
    }
    assert.deepEqual(doc.paths['/v3.5/configuration/action/list_webhook_names'].post.security, []);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['basicAuth', 'bearerAuth']);
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
    assert.equal(doc.components.securitySchemes.basicAuth.scheme, 'basic');
  });

  it('tags each operation with its area; the reference’s summary of each method, verbatim', async (t) => {
    if (!existsSync(SPEC)) {
      if (process.env.CI === 'true') assert.fail(`the reference is missing: ${SPEC}`);
      return t.skip('the reference (../shared/spec) is not beside this checkout');
    }
    const { readFile } = await import('node:fs/promises');
    const spec = (await readFile(SPEC, 'utf8')).replace(/\[([^\]]+)\]\([^)]+\)/g, '$1');
    const doc = buildOpenApiDocument(registry) as any;
    assert.deepEqual(
      doc.tags.map((t: any) => t.name),
      ['Agents', 'Auto access', 'Bots', 'Groups', 'Properties', 'Tags', 'Webhooks', 'Other'],
    );
    for (const a of registry.actions.values()) {
      const op = doc.paths[`/v3.5/configuration/action/${a.name}`].post;
      assert.ok(doc.tags.some((t: any) => t.name === op.tags[0]));
      assert.ok(spec.includes(op.summary), `${a.name}: summary not found in the reference: ${op.summary}`);
    }
    assert.equal(doc.paths['/v3.5/configuration/action/create_agent'].post.tags[0], 'Agents');
    assert.equal(doc.paths['/v3.5/configuration/action/batch_create_bots'].post.tags[0], 'Bots');
  });

  it('takes other modules’ routes as extensions (own tag, own paths) and stays valid', async () => {
    const doc = buildOpenApiDocument(registry, {
      servers: [{ url: 'http://127.0.0.1:8080' }],
      extensions: [
        {
          tags: [{ name: 'Control plane', description: 'Test tooling' }],
          securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } },
          paths: {
            '/admin/licenses/{id}/reset': {
              post: {
                operationId: 'admin_reset_license',
                tags: ['Control plane'],
                security: [{ adminToken: [] }],
                parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
                responses: { '200': { description: 'Reset', content: { 'application/json': { schema: jsonSchema(Type.Object({})) } } } },
              },
            },
          },
        },
      ],
    }) as any;
    assert.ok(doc.tags.some((t: any) => t.name === 'Control plane'));
    assert.equal(Object.keys(doc.paths).length, 64);
    assert.deepEqual(doc.servers, [{ url: 'http://127.0.0.1:8080' }]);
    const result = await validate(structuredClone(doc));
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  });

  it('the answer check fails on a 200 body that breaks the schema, and on an error with the wrong status', () => {
    assert.throws(() => checkAnswer(registry, 'v3.5', 'get_agent', 200, { id: 'a@b.c' }), /get_agent: .*response schema[\s\S]*account_id/);
    assert.throws(() => checkAnswer(registry, 'v3.5', 'create_tag', 200, { unexpected: true }), /create_tag[\s\S]*unexpected/);
    assert.throws(
      () => checkAnswer(registry, 'v3.5', 'batch_delete_agents', 200, { responses: [{}, { error: { type: 'nope', message: '' } }] }),
      /batch_delete_agents/,
    );
    assert.throws(() => checkAnswer(registry, 'v3.5', 'get_agent', 404, { error: { type: 'validation', message: 'x' } }), /documented as 400/);
    checkAnswer(registry, 'v3.5', 'batch_delete_agents', 200, { responses: [{}, { error: { type: 'not_found', message: 'x' } }] });
  });
});

describeStores('GET /openapi.json and /docs', (h: () => Harness) => {
  it('serves the document with this server first in `servers`', async () => {
    // The v3.5 document (the default is v3.6's: test/versions/openapi.test.ts).
    const res = await h().app.inject({ method: 'GET', url: '/openapi.json?version=3.5', headers: { host: '127.0.0.1:9999' } });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /application\/json/);
    const doc = res.json();
    assert.equal(doc.servers[0].url, 'http://127.0.0.1:9999');
    assert.equal(doc.servers[1].url, 'https://api.livechatinc.com');
    assert.equal(Object.keys(doc.paths).length, 63);
    const result = await validate(doc);
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  });

  it('serves the docs page and its assets from this server only', async () => {
    const page = await h().app.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.headers['content-security-policy'] as string, /default-src 'self'/);
    const srcs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(srcs.length >= 3);
    for (const src of srcs) {
      assert.ok(!/^(https?:)?\/\//.test(src), `external asset ${src}`);
      const asset = await h().app.inject({ method: 'GET', url: new URL(src, 'http://x/docs').pathname });
      assert.equal(asset.statusCode, 200, src);
    }
    const json = await h().app.inject({ method: 'GET', url: '/docs/json?version=3.5' });
    assert.equal(Object.keys(json.json().paths).length, 63);
    const yaml = await h().app.inject({ method: 'GET', url: '/docs/yaml' });
    assert.equal(yaml.statusCode, 200);
    assert.match(yaml.body, /operationId: list_agents\n/);
  });
});

describe('OpenAPI document: the control plane', () => {
  /** The document an app serves, and the control-plane routes it serves (none without ADMIN_TOKEN). */
  const servedOf = async (env: Record<string, string>) => {
    const { createApp } = await import('../../src/app.js');
    const { freshStore, testConfig } = await import('../support/stores.js');
    const { store, drop } = await freshStore('sqlite');
    const app = await createApp({ store, config: testConfig(env), logger: false });
    try {
      const res = await app.inject({ method: 'GET', url: '/openapi.json' });
      assert.equal(res.statusCode, 200);
      return { doc: res.json(), adminRoutes: app.controlPlane?.adminRoutes ?? [] };
    } finally {
      await app.close();
      await drop();
    }
  };

  const docOf = async (env: Record<string, string>) => (await servedOf(env)).doc;

  it('documents every /admin route under its own tag and security scheme when ADMIN_TOKEN is set, and stays valid', async () => {
    const { openApiPath } = await import('../../src/http/admin/openapi.js');
    const { doc, adminRoutes } = await servedOf({ ADMIN_TOKEN: 'a-long-enough-admin-token' });
    assert.ok(doc.tags.some((t: any) => t.name === 'admin'));
    // Every route the control plane serves, but the live stream (server-sent events, not JSON).
    const served = adminRoutes.filter((r) => r.url !== '/admin/requests/stream');
    assert.deepEqual(adminRoutes.length - served.length, 1);
    assert.deepEqual(served.map((r) => r.schema.operationId), [
      'adminBootstrap', 'adminCreateApplication', 'adminCreateToken', 'adminCreatePat', 'adminListLicenses', 'adminGetLicense',
      'adminUpdateLicense', 'adminResetLicense', 'adminCreateSnapshot', 'adminListSnapshots', 'adminRestoreSnapshot',
      'adminDeleteSnapshot', 'adminCreateCustomerBan', 'adminListDeliveries', 'adminResendDelivery', 'adminListRequests', 'adminListFaults', 'adminSetFaults',
      'adminClearFaults',
    ]);
    for (const r of served) {
      const op = doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${r.url} is documented`);
      assert.deepEqual([op.operationId, op.tags, op.security], [r.schema.operationId, ['admin'], [{ adminToken: [] }]]);
      assert.ok(op.responses['200'] && op.responses['401'] && op.responses['400']);
    }
    assert.equal(Object.values(doc.paths).flatMap((item: any) => Object.values(item)).filter((op: any) => op.tags?.includes('admin')).length, served.length);
    assert.equal(doc.components.securitySchemes.adminToken.scheme, 'bearer');
    const result = await validate(structuredClone(doc));
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  });

  it('has no /admin path when the control plane is off', async () => {
    const doc = await docOf({});
    assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith('/admin')), []);
    assert.ok(!doc.tags.some((t: any) => t.name === 'admin'));
  });
});
