/**
 * The CLI contract, run in-process (src/cli/program.ts): every --json command prints exactly one JSON object;
 * help, version, usage and configuration errors; migrate reports what it applied. One smoke test spawns the real
 * entry point as `npm start` launches it: serve boots, answers and drains.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { cli, jsonOf, type CliRun } from '../support/cli.js';
import { ROOT, cliCommand, freePort, startScriptLaunch } from '../support/processes.js';
import { environmentVariables } from '../../src/config.js';

/** Usage, configuration and refused-input errors are one line (or one group of lines), never a stack trace. */
function assertNoStack(run: CliRun): void {
  assert.doesNotMatch(run.stderr + run.stdout, /\n\s+at /, 'no stack trace');
}

describe('config-api CLI (in-process)', () => {
  let dir: string;
  let n = 0;
  /** A fresh SQLite database per call: each test makes its own data. */
  const freshEnv = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: `sqlite:${join(dir, `cli-${++n}.sqlite`)}`,
    REGION: 'fra',
    LOG_LEVEL: 'silent',
    ...extra,
  });
  const json = async (args: string[], env: NodeJS.ProcessEnv) => {
    const run = await cli([...args, '--json'], env);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stdout} ${run.stderr}`);
    return jsonOf(run, args).json;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-api-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('bootstrap --json prints the documented object and the credentials work', async () => {
    const env = freshEnv();
    const out = await json(['bootstrap', '--owner-email', 'boss@example.com'], env);
    assert.deepEqual(Object.keys(out).sort(), ['basic_auth', 'bearer_token', 'client_id', 'license_id', 'organization_id', 'owner', 'pat', 'region'].sort());
    assert.equal(out.region, 'fra');
    assert.match(out.bearer_token, /^fra:/);
    assert.equal(out.owner.id, 'boss@example.com');
    assert.equal(Buffer.from(out.basic_auth, 'base64').toString(), `${out.owner.account_id}:${out.pat}`);

    const app = await json(['app', 'create', '--organization', out.organization_id, '--install', String(out.license_id)], env);
    assert.match(app.client_id, /^[0-9a-f]{32}$/);
    assert.deepEqual(await json(['app', 'install', '--client-id', app.client_id, '--license', String(out.license_id)], env), {
      client_id: app.client_id, license_id: out.license_id, installed: false,
    });
    const token = await json(['token', 'create', '--license', String(out.license_id), '--agent', 'boss@example.com', '--client-id', app.client_id, '--scopes', 'agents--all:ro,groups--all:ro'], env);
    assert.match(token.bearer_token, /^fra:/);
    const pat = await json(['pat', 'create', '--license', String(out.license_id), '--agent', 'boss@example.com', '--scopes', 'agents--all:ro'], env);
    assert.ok(pat.basic_auth);
    const reqs = await json(['unsuspension-requests', 'list', '--license', String(out.license_id)], env);
    assert.deepEqual(reqs, { requests: [] });
  });

  it('refuses bad values with exit status 1 and one JSON error object', async () => {
    const env = freshEnv();
    const out = await json(['bootstrap', '--owner-email', 'boss@example.com'], env);
    const err = jsonOf(await cli(['token', 'create', '--license', String(out.license_id), '--agent', 'nobody@example.com', '--scopes', 'agents--all:ro', '--json'], env));
    assert.equal(err.code, 1);
    assert.equal(err.json.error.type, 'not_found'); // the same answer as POST /admin/tokens
    for (const bad of [['--ttl', 'abc'], ['--ttl=-5'], ['--scopes', 'agnets--all:ro']]) {
      const args = ['token', 'create', '--license', String(out.license_id), '--agent', 'boss@example.com', '--scopes', 'agents--all:ro', ...bad, '--json'];
      const run = await cli(args, env);
      const e = jsonOf(run, args);
      assert.equal(e.code, 1, bad.join(' '));
      assert.match(e.json.error.message, /--ttl|Unknown scope/);
      assertNoStack(run);
    }
    const badDate = await cli(['bootstrap', '--expires-at', 'garbage', '--json'], env);
    assert.equal(badDate.code, 1);
    assert.match(jsonOf(badDate).json.error.message, /--expires-at/);
    const badPlan = jsonOf(await cli(['bootstrap', '--plan', 'gold', '--json'], env));
    assert.equal(badPlan.code, 1);
    assert.match(badPlan.json.error.message, /starter, team, enterprise, enterpriseplus/);
    const text = await cli(['token', 'create', '--license', String(out.license_id), '--agent', 'nobody@example.com', '--scopes', 'all'], env);
    assert.deepEqual([text.code, text.stdout, text.stderr], [1, '', `Agent nobody@example.com not found on licence ${out.license_id}\n`]);
  });

  it('migrate reports the migrations it applied, then none', async () => {
    const env = freshEnv();
    const first = await json(['migrate'], env);
    assert.ok(first.applied.length > 0, 'a fresh database gets every migration');
    assert.ok(first.applied.every((name: string) => /^\d{4}_\w+$/.test(name)), first.applied.join());
    assert.deepEqual(await json(['migrate'], env), { applied: [] });
    const text = await cli(['migrate'], env);
    assert.deepEqual([text.code, text.stdout], [0, 'Database is up to date\n']);
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await cli([flag], {});
      assert.deepEqual([run.code, run.stdout, run.stderr], [0, `${version}\n`, '']);
    }
  });

  it('the top-level help lists every command and every environment variable the README documents', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const documented = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!);
    assert.ok(documented.length >= 20, `found the README's variables: ${documented.join(' ')}`);
    const all = new Set([...documented, ...environmentVariables().map((v) => v.name)]);
    for (const args of [['--help'], ['help'], ['-h']]) {
      const run = await cli(args, {});
      assert.equal(run.code, 0, args.join(' '));
      assert.equal(run.stderr, '');
      for (const name of all) assert.match(run.stdout, new RegExp(`^  ${name} `, 'm'), `${args.join(' ')} lists ${name}`);
      for (const command of ['serve', 'migrate', 'bootstrap', 'app', 'token', 'pat', 'unsuspension-requests', 'demo-token', 'channels', 'deliveries', 'help']) {
        assert.match(run.stdout, new RegExp(`^  ${command}\\b`, 'm'), `${args.join(' ')} lists ${command}`);
      }
    }
  });

  it('each command has its own help listing its options; `help <command>` prints the same', async () => {
    const top = (await cli(['--help'], {})).stdout;
    const cases: [string[], string[]][] = [
      [['bootstrap'], ['--owner-email', '--plan', '--expires-at', '--source-id', '--source-type', '--source-url', '--json']],
      [['app', 'create'], ['--organization', '--install', '--name', '--json']],
      [['app', 'install'], ['--client-id', '--license', '--json']],
      [['token', 'create'], ['--license', '--agent', '--client-id', '--scopes', '--ttl', '--json']],
      [['pat', 'create'], ['--license', '--agent', '--scopes', '--json']],
      [['unsuspension-requests', 'list'], ['--license', '--json']],
      [['channels', 'record'], ['--license', '--type', '--subtype', '--at', '--json']],
      [['channels', 'list'], ['--license', '--json']],
      [['deliveries', 'list'], ['--webhook', '--status', '--license', '--limit', '--json']],
      [['deliveries', 'retry'], ['<delivery-id>', '--json']],
      [['migrate'], ['--json']],
      [['demo-token'], ['--json']],
    ];
    for (const [path, options] of cases) {
      const own = await cli([...path, '--help'], {});
      assert.equal(own.code, 0, path.join(' '));
      assert.notEqual(own.stdout, top, `${path.join(' ')} --help is not the global help`);
      assert.match(own.stdout, new RegExp(`^Usage: config-api ${path.join(' ')} `, 'm'));
      for (const option of options) assert.ok(own.stdout.includes(option), `${path.join(' ')} --help lists ${option}`);
      const viaHelp = await cli(['help', ...path], {});
      assert.deepEqual([viaHelp.code, viaHelp.stdout], [0, own.stdout], `help ${path.join(' ')}`);
    }
    assert.match((await cli(['token', 'create', '--help'], {})).stdout, /--scopes <list> .*\(required\)/);
  });

  it('usage errors exit with status 2 and one line naming the problem and where to get help', async () => {
    const env = freshEnv();
    const cases: [string[], RegExp][] = [
      [['bogus'], /^unknown command 'bogus' \(see config-api --help\)\n$/],
      [['migrate', '--jsn'], /^unknown option '--jsn' \(Did you mean --json\?\) \(see config-api migrate --help\)\n$/],
      [['token', 'create', '--license', '1'], /^required option '--agent <id>' not specified \(see config-api token create --help\)\n$/],
      [['deliveries', 'retry'], /^missing required argument 'delivery-id' \(see config-api deliveries retry --help\)\n$/],
      [['deliveries', 'retry', 'a', 'b'], /too many arguments/],
      [['help', 'nope'], /^Unknown command: nope \(see config-api --help\)\n$/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args, env);
      assert.equal(run.code, 2, args.join(' '));
      assert.equal(run.stdout, '', args.join(' '));
      assert.match(run.stderr, message, args.join(' '));
    }
    // With --json the error is also the one JSON object on stdout.
    const withJson = await cli(['token', 'create', '--license', '1', '--json'], env);
    assert.equal(withJson.code, 2);
    assert.equal(jsonOf(withJson).json.error.type, 'validation');
    assert.match(jsonOf(withJson).json.error.message, /--agent/);
    // No command: the help, on stderr.
    const none = await cli([], env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: config-api /);
  });

  it('a configuration error exits with status 2, naming the variable, without a stack trace', async () => {
    const run = await cli(['migrate'], freshEnv({ REGION: 'mars' }));
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /REGION/);
    assertNoStack(run);
    const withJson = await cli(['migrate', '--json'], freshEnv({ REGION: 'mars' }));
    assert.equal(withJson.code, 2);
    assert.equal(jsonOf(withJson).json.error.type, 'configuration');
    assert.match(withJson.stderr, /REGION/);
    // An unreachable database is a configuration error too.
    const unreachable = await cli(['deliveries', 'list'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', LOG_LEVEL: 'silent' });
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, /DATABASE_URL.*127\.0\.0\.1:1/);
    assertNoStack(unreachable);
    // Help and version need no configuration.
    assert.equal((await cli(['--help'], { REGION: 'mars' })).code, 0);
  });
});

describe('config-api binary (smoke test)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-api-serve-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serve (launched as npm start launches it) creates a demo licence on an empty database, serves requests and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const launch = startScriptLaunch(); // package.json scripts.start: its env assignments and node flags
    assert.deepEqual(Object.keys(launch.env), ['MALLOC_MMAP_THRESHOLD_']);
    const serveEnv = { ...launch.env, ...process.env, DATABASE_URL: `sqlite:${join(dir, 'serve.sqlite')}`, PORT: String(port), HOST: '127.0.0.1', REGION: 'dal', LOG_LEVEL: 'silent' };
    const child = spawn(process.execPath, [...launch.nodeFlags, ...cliCommand('tested'), 'serve'], { cwd: ROOT, env: serveEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      let healthy = false;
      while (!healthy && Date.now() < deadline) {
        healthy = await request(`http://127.0.0.1:${port}/healthz`).then((r) => r.statusCode === 200).catch(() => false);
        if (!healthy) await new Promise((r) => setTimeout(r, 100));
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
