/**
 * The OpenAPI document of each version (`/openapi.json?version=…`, default v3.6; `/docs/json` alike), through the real
 * server. (The versions' lifecycle configuration is tested in test/config/config.test.ts.)
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { validate, compileErrors } from '@readme/openapi-parser';
import { describeStores, expectError, type Harness } from '../support/harness.js';

const doc = async (h: Harness, url: string) => {
  const res = await h.app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
};
const props = (d: any, action: string) => d.paths[`/v${d.info.version}/configuration/action/${action}`].post.requestBody.content['application/json'].schema.properties;

describeStores('OpenAPI document per version', (h) => {
  it('serves v3.6 by default, and each version asked for (3.6 or v3.6), each a valid document of its own actions', async () => {
    const byDefault = (await doc(h(), '/openapi.json')).body;
    assert.equal(byDefault.info.version, '3.6');
    for (const [query, version, paths] of [['3.4', '3.4', 42], ['v3.5', '3.5', 63], ['3.6', '3.6', 73]] as const) {
      const { status, body } = await doc(h(), `/openapi.json?version=${query}`);
      assert.equal(status, 200);
      assert.equal(body.info.version, version);
      assert.equal(Object.keys(body.paths).length, paths);
      assert.ok(Object.keys(body.paths).every((p) => p.startsWith(`/v${version}/configuration/action/`)));
      assert.deepEqual((await doc(h(), `/docs/json?version=${query}`)).body.paths, body.paths);
      const result = await validate(structuredClone(body));
      assert.ok(result.valid, result.valid ? '' : compileErrors(result));
    }
    assert.deepEqual((await doc(h(), '/openapi.json?version=3.6')).body, byDefault);
    expectError(await doc(h(), '/openapi.json?version=3.3'), 'unsupported_version', 400);
    expectError(await doc(h(), '/docs/json?version=9'), 'unsupported_version', 400);
  });

  it("shows each version's differences: schemas, GET calls, lifecycle headers, and the differences in words", async () => {
    const [v34, v35, v36] = await Promise.all(['3.4', '3.5', '3.6'].map(async (v) => (await doc(h(), `/openapi.json?version=${v}`)).body));
    assert.ok('avatar' in props(v35, 'create_agent') && !('avatar' in props(v36, 'create_agent')));
    assert.ok('name' in props(v35, 'update_agent') && !('name' in props(v36, 'update_agent')));
    assert.deepEqual([props(v35, 'create_agent').max_chats_count.maximum, props(v36, 'create_agent').max_chats_count.maximum], [100, 20]);
    assert.ok('type' in props(v36, 'create_bot') && !('type' in props(v35, 'create_bot')));
    assert.deepEqual([props(v35, 'register_webhook').url.maxLength, props(v36, 'register_webhook').url.maxLength], [2048, 500]);
    assert.ok(props(v36, 'register_webhook').action.anyOf.some((a: any) => a.const === 'event_deleted'));
    assert.ok(v36.paths['/v3.6/configuration/action/create_greeting'] && !v35.paths['/v3.5/configuration/action/create_greeting']);
    assert.ok(v36.tags.some((t: any) => t.name === 'Greetings') && v36.tags.some((t: any) => t.name === 'Customer bans'));
    // v3.4 serves list_license_properties by GET too, its parameters in the query.
    const get = v34.paths['/v3.4/configuration/action/list_license_properties'].get;
    assert.deepEqual(get.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name), ['namespace', 'name_prefix', 'namespace_prefix']);
    assert.equal(get.requestBody, undefined);
    for (const name of ['get_license_id', 'get_organization_id', 'list_group_properties']) assert.ok(v34.paths[`/v3.4/configuration/action/${name}`].get, name);
    // v3.4's own work_scheduler (days as keys) in its requests.
    assert.ok('monday' in props(v34, 'create_agent').work_scheduler.properties && 'schedule' in props(v35, 'create_agent').work_scheduler.properties);
    // Lifecycle headers on every answer of a legacy or deprecated version.
    const headers = (d: any, path: string, status: string) => Object.keys(d.paths[path].post.responses[status].headers ?? {});
    assert.deepEqual(headers(v35, '/v3.5/configuration/action/list_agents', '200'), ['X-Request-Id', 'Legacy']);
    assert.deepEqual(headers(v34, '/v3.4/configuration/action/list_agents', '400'), ['X-Request-Id', 'Deprecation']);
    assert.deepEqual(headers(v36, '/v3.6/configuration/action/list_agents', '404'), ['X-Request-Id']);
    assert.match(v36.info.description, /v3\.6 \(stable\)[\s\S]*Differences from v3\.5:[\s\S]*create_group no longer needs/);
    assert.match(v35.info.description, /Legacy` header/);
  });
});
