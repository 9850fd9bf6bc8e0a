/** The CLI contract: bootstrap/app/token/pat commands print exactly one JSON object; serve boots, answers and drains. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { cliCommand, startScriptLaunch } from '../../bench/lib/processes.js';

const run = promisify(execFile);
const CLI = cliCommand('tsx');

async function cli(args: string[], env: Record<string, string>): Promise<any> {
  const { stdout } = await run(process.execPath, [...CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 1, `exactly one line of JSON, got: ${stdout}`);
  return JSON.parse(lines[0]!);
}

describe('config-api CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-api-cli-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}`, REGION: 'fra', LOG_LEVEL: 'silent' };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('bootstrap --json prints the documented object and the credentials work', async () => {
    const out = await cli(['bootstrap', '--json', '--owner-email', 'boss@example.com'], env);
    assert.deepEqual(Object.keys(out).sort(), ['basic_auth', 'bearer_token', 'client_id', 'license_id', 'organization_id', 'owner', 'pat', 'region'].sort());
    assert.equal(out.region, 'fra');
    assert.match(out.bearer_token, /^fra:/);
    assert.equal(out.owner.id, 'boss@example.com');
    assert.equal(Buffer.from(out.basic_auth, 'base64').toString(), `${out.owner.account_id}:${out.pat}`);

    const app = await cli(['app', 'create', '--organization', out.organization_id, '--install', String(out.license_id), '--json'], env);
    assert.match(app.client_id, /^[0-9a-f]{32}$/);
    const token = await cli(['token', 'create', '--license', String(out.license_id), '--agent', 'boss@example.com', '--client-id', app.client_id, '--scopes', 'agents--all:ro,groups--all:ro', '--json'], env);
    assert.match(token.bearer_token, /^fra:/);
    const pat = await cli(['pat', 'create', '--license', String(out.license_id), '--agent', 'boss@example.com', '--scopes', 'agents--all:ro', '--json'], env);
    assert.ok(pat.basic_auth);
    const reqs = await cli(['unsuspension-requests', 'list', '--license', String(out.license_id), '--json'], env);
    assert.deepEqual(reqs, { requests: [] });

    const err = await run(process.execPath, [...CLI, 'token', 'create', '--license', String(out.license_id), '--agent', 'nobody@example.com', '--scopes', 'x', '--json'], { env: { ...process.env, ...env } }).catch((e) => e);
    assert.equal(err.code, 1);
    assert.equal(JSON.parse(err.stdout.trim()).error.type, 'validation');
    for (const bad of [['--ttl', 'abc'], ['--ttl=-5'], ['--scopes', 'agnets--all:ro']]) {
      const args = ['token', 'create', '--license', String(out.license_id), '--agent', 'boss@example.com', '--scopes', 'agents--all:ro', ...bad, '--json'];
      const e = await run(process.execPath, [...CLI, ...args], { env: { ...process.env, ...env } }).catch((x) => x);
      assert.equal(e.code, 1, bad.join(' '));
      assert.match(JSON.parse(e.stdout.trim()).error.message, /--ttl|Unknown scope/);
    }
    const badDate = await run(process.execPath, [...CLI, 'bootstrap', '--expires-at', 'garbage', '--json'], { env: { ...process.env, ...env } }).catch((x) => x);
    assert.equal(badDate.code, 1);
  });

  it('serve (launched as npm start launches it) creates a demo licence on an empty database, serves requests and exits cleanly on SIGTERM', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const launch = startScriptLaunch(); // package.json scripts.start: its env assignments and node flags
    assert.deepEqual(Object.keys(launch.env), ['MALLOC_MMAP_THRESHOLD_']);
    const serveEnv = { ...launch.env, ...process.env, DATABASE_URL: `sqlite:${join(dir, 'serve.sqlite')}`, PORT: String(port), HOST: '127.0.0.1', REGION: 'dal', LOG_LEVEL: 'silent' };
    const child = spawn(process.execPath, [...launch.nodeFlags, ...CLI, 'serve'], { env: serveEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      let healthy = false;
      while (!healthy && Date.now() < deadline) {
        healthy = await request(`http://127.0.0.1:${port}/healthz`).then((r) => r.statusCode === 200).catch(() => false);
        if (!healthy) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(healthy, 'healthz answered');
      const token = /bearer token:\s+(\S+)/.exec(out)?.[1];
      assert.ok(token?.startsWith('dal:'), `demo token printed: ${out}`);
      assert.match(out, /curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/v3\.5\/configuration\/action\/list_agents/);
      const res = await request(`http://127.0.0.1:${port}/v3.5/configuration/action/list_agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(res.statusCode, 200);
      const agents = (await res.body.json()) as any[];
      assert.equal(agents[0].role, 'owner');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, 'clean exit on SIGTERM');
  });
});
