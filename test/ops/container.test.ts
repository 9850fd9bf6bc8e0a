/**
 * Shipping files agree with each other and with the server: Dockerfile (through the same reader the container smoke
 * test replays it with), .dockerignore, compose.yaml and package.json. The smoke scripts (scripts/*-smoke.ts, run by
 * .ci/run) build and start them; these checks pin the properties an operator relies on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  dockerignore,
  parseCommand,
  parseCopy,
  parseDockerfile,
  parseEnv,
  parseHealthCheck,
  type Stage,
} from '../../scripts/lib/dockerfile.js';
import { DEFAULT_DATABASE_URL } from '../../src/config.js';
import { ROOT } from '../support/processes.js';

const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; files: string[]; bin: Record<string, string> };
const dockerfile = parseDockerfile(read('Dockerfile'));

function ops(stage: Stage, op: string): string[] {
  return stage.instructions.filter((i) => i.op === op).map((i) => i.raw);
}
function stageEnv(stage: Stage): Record<string, string> {
  return Object.assign({}, ...ops(stage, 'ENV').map((raw) => parseEnv(raw, dockerfile.args)));
}
const build = dockerfile.stages[0]!;
const runStage = dockerfile.stages[dockerfile.stages.length - 1]!;
const env = stageEnv(runStage);
const workdir = ops(runStage, 'WORKDIR').reduce((dir, w) => posix.resolve(dir, w), '/');

describe('Dockerfile', () => {
  it('builds with dev dependencies and ships production dependencies only', () => {
    assert.ok(dockerfile.stages.length >= 2, 'multi-stage');
    const runs = ops(build, 'RUN');
    assert.ok(runs.some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)), 'build stage installs every dependency');
    assert.ok(runs.some((r) => /\bnpm run build\b/.test(r)), 'build stage compiles');
    assert.ok(runs.some((r) => /\bnpm prune --omit=dev\b/.test(r)), 'dev dependencies dropped before the run stage copies node_modules');
    for (const r of ops(runStage, 'RUN')) assert.doesNotMatch(r, /\bnpm (ci|install)\b(?!.*--omit=dev)/, 'run stage installs no dev dependency');
    const copied = ops(runStage, 'COPY').map((raw) => parseCopy(raw, dockerfile.args));
    assert.ok(copied.every((c) => c.from === build.name), 'the run stage takes everything from the build stage');
    assert.ok(copied.some((c) => c.sources.some((s) => s.endsWith('/node_modules'))));
  });

  it('runs as a non-root user with the environment `npm start` uses, listening on every interface', () => {
    const users = ops(runStage, 'USER');
    assert.ok(users.length && !['root', '0'].includes(users.at(-1)!.split(':')[0]!), 'non-root USER');
    assert.equal(env.HOST, '0.0.0.0');
    // npm start: MALLOC_MMAP_THRESHOLD_=<n> node <flags> dist/src/cli/main.js serve
    const m = /MALLOC_MMAP_THRESHOLD_=(\d+) node ((?:--\S+ )*)\S+ serve$/.exec(pkg.scripts.start!);
    assert.ok(m, `npm start has the expected shape: ${pkg.scripts.start}`);
    assert.equal(env.MALLOC_MMAP_THRESHOLD_, m[1]);
    assert.equal(env.NODE_OPTIONS, m[2]!.trim());
    assert.deepEqual(ops(runStage, 'EXPOSE'), [env.PORT ?? '8080']);
  });

  it('starts the CLI\'s serve command, with the files it needs copied', () => {
    const argv = [...parseCommand(ops(runStage, 'ENTRYPOINT').at(-1) ?? '[]'), ...parseCommand(ops(runStage, 'CMD').at(-1) ?? '[]')];
    assert.equal(argv[0], 'node');
    assert.ok([pkg.bin['config-api'], 'dist/src/cli/main.js'].includes(argv[1]), `entry ${argv[1]}`);
    assert.equal(argv.at(-1), 'serve');
    const dests = ops(runStage, 'COPY').map((raw) => posix.resolve(workdir, parseCopy(raw, dockerfile.args).dest));
    for (const need of [argv[1]!.split('/')[0]!, 'dist/src', 'node_modules', 'package.json', 'console']) {
      assert.ok(dests.some((d) => d === posix.resolve(workdir, need) || (d === workdir && need === 'package.json')), `${need} copied`);
    }
  });

  it('keeps the default SQLite file in a volume and checks readiness with node', () => {
    const dataDir = posix.dirname(posix.resolve(workdir, DEFAULT_DATABASE_URL.replace(/^sqlite:/, '')));
    const volumes = ops(runStage, 'VOLUME').flatMap((v) => (v.startsWith('[') ? (JSON.parse(v) as string[]) : v.split(/\s+/)));
    assert.ok(volumes.includes(dataDir), `VOLUME ${dataDir}`);
    const hc = parseHealthCheck(ops(runStage, 'HEALTHCHECK').at(-1) ?? 'NONE');
    assert.ok(hc, 'HEALTHCHECK');
    assert.equal(hc.command[0], 'node');
    assert.match(hc.command.join(' '), /\/readyz/);
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignore(read('.dockerignore'));
  it('keeps local state and secrets out of the build context', () => {
    for (const p of ['node_modules', 'node_modules/fastify/package.json', 'dist/src/app.js', 'data/config-api.sqlite', '.git', '.env', 'npm-shrinkwrap.json', 'x.log']) {
      assert.ok(ignored(p), p);
    }
  });
  it('keeps everything the Dockerfile copies from the context', () => {
    const sources = dockerfile.stages.flatMap((s) => ops(s, 'COPY').map((raw) => parseCopy(raw, dockerfile.args))).filter((c) => !c.from);
    assert.ok(sources.length > 0);
    for (const src of sources.flatMap((c) => c.sources)) assert.ok(!ignored(posix.normalize(src)), src);
    assert.ok(!ignored('src/cli/main.ts') && !ignored('src/store/migrations/index.ts'));
  });
  it('matches like the builder: anchored patterns, ** across directories, ! re-includes, last match wins', () => {
    const m = dockerignore('*.md\n!README.md\n**/tmp\n/build/\nlogs/*.log\n');
    assert.ok(m('CHANGES.md') && !m('README.md') && !m('docs/CHANGES.md'));
    assert.ok(m('tmp') && m('a/b/tmp/c') && m('build/x') && !m('src/build'));
    assert.ok(m('logs/a.log') && !m('logs/sub/a.log'));
  });
});

describe('Dockerfile reader', () => {
  it('joins continuation lines, reads both ENV forms and refuses instructions it does not replay', () => {
    const f = parseDockerfile('ARG V=20\nFROM node:${V}-slim AS b\n# c\nENV A=1 \\\n  B="two words"\nENV C three words\nRUN echo \\\n  # inner comment\n  ok\n');
    assert.equal(f.stages[0]!.image, 'node:20-slim');
    assert.deepEqual(stageEnvOf(f.stages[0]!), { A: '1', B: 'two words', C: 'three words' });
    assert.equal(f.stages[0]!.instructions.at(-1)!.raw, 'echo ok');
    assert.throws(() => parseDockerfile('FROM node:20\nADD x /x\n'), /ADD is not supported/);
    assert.throws(() => parseCopy('--chmod=644 a b', {}), /not supported/);
  });
});

function stageEnvOf(stage: Stage): Record<string, string> {
  return Object.assign({}, ...stage.instructions.filter((i) => i.op === 'ENV').map((i) => parseEnv(i.raw, {})));
}

describe('compose.yaml', () => {
  type Service = {
    image?: string;
    build?: unknown;
    command?: string[] | string;
    environment?: Record<string, string>;
    ports?: string[];
    volumes?: string[];
    healthcheck?: { test: string[] | string };
    depends_on?: Record<string, { condition: string }>;
  };
  const compose = parseYaml(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };
  const services = Object.entries(compose.services);
  const apis = services.filter(([, s]) => s.build !== undefined);
  const pg = services.find(([, s]) => /^postgres:15\b/.test(s.image ?? ''));
  const lb = services.find(([, s]) => /^caddy:2(\b|-)/.test(s.image ?? ''));
  /** The port a replica listens on in its container: its PORT, else the image's. */
  const apiPort = (s: Service) => Number(s.environment?.PORT ?? env.PORT ?? 8080);

  it('runs PostgreSQL 15 with a healthcheck and API replicas on it, each sending webhooks, with one signing key', () => {
    assert.ok(pg, 'a postgres:15 service');
    assert.ok(pg[1].healthcheck, 'PostgreSQL healthcheck');
    assert.ok(apis.length >= 2, `replicas: ${apis.map(([n]) => n).join(', ')}`);
    for (const [name, s] of apis) {
      const url = new URL(s.environment?.DATABASE_URL ?? '');
      assert.equal(url.protocol, 'postgres:', name);
      assert.equal(url.hostname, pg[0], `${name} uses the ${pg[0]} service`);
      assert.notEqual(s.environment?.WEBHOOK_DELIVERY, 'off', `${name} delivers webhooks`);
      assert.equal(s.depends_on?.[pg[0]]?.condition, 'service_healthy', `${name} waits for PostgreSQL`);
    }
    const keys = apis.map(([, s]) => s.environment?.TOKEN_SIGNING_KEY);
    assert.ok(keys[0] && keys.every((k) => k === keys[0]), 'the replicas share one bot-token signing key');
    // Migrations and the demo licence happen once: every replica but the first waits for the first to be healthy.
    for (const [name, s] of apis.slice(1)) assert.equal(s.depends_on?.[apis[0]![0]]?.condition, 'service_healthy', name);
  });

  it('puts a round-robin, health-checked load balancer (Caddy) in front of every replica, which publish no port', () => {
    assert.ok(lb, 'a caddy:2 service');
    const [, balancer] = lb;
    for (const [name, s] of apis) {
      assert.deepEqual(s.ports ?? [], [], `${name} is reached through the load balancer only`);
      assert.equal(s.environment?.TRUST_PROXY, 'on', `${name} takes client addresses from the balancer's X-Forwarded-For`);
    }
    // The configuration the balancer runs: Caddy's own JSON, mounted from the checkout.
    const command = typeof balancer.command === 'string' ? balancer.command.split(/\s+/) : (balancer.command ?? []);
    const configPath = command[command.indexOf('--config') + 1];
    assert.ok(command.includes('--config') && configPath, `the balancer runs a configuration file: ${command.join(' ')}`);
    const mount = (balancer.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === configPath);
    assert.ok(mount, `${configPath} is mounted from the checkout`);
    const config = JSON.parse(read(mount[0]!)) as CaddyConfig;
    const servers = Object.values(config.apps?.http?.servers ?? {});
    assert.equal(servers.length, 1, 'one HTTP server');
    const [server] = servers;
    const proxies = server!.routes.flatMap((r) => r.handle).filter((h) => h.handler === 'reverse_proxy');
    assert.equal(proxies.length, 1, 'one reverse_proxy handler');
    const proxy = proxies[0]!;
    assert.deepEqual(
      proxy.upstreams.map((u) => u.dial).sort(),
      apis.map(([name, s]) => `${name}:${apiPort(s)}`).sort(),
      'the upstreams are exactly the replicas',
    );
    assert.equal(proxy.load_balancing?.selection_policy?.policy, 'round_robin');
    assert.ok(proxy.load_balancing?.try_duration, 'a refused connection is tried on another replica');
    assert.equal(proxy.health_checks?.active?.uri, '/readyz', 'replicas are health-checked on /readyz');
    assert.equal(proxy.health_checks?.active?.expect_status, 200);
    assert.ok(server!.automatic_https?.disable, 'plain HTTP (no certificate management on a bare port)');
    // The published port reaches the port Caddy listens on.
    const listen = server!.listen.map((l) => Number(l.split(':').at(-1)));
    const published = (balancer.ports ?? []).map((p) => Number(p.split(':').at(-1)));
    assert.ok(published.length > 0 && published.every((p) => listen.includes(p)), `published ${published} listen ${listen}`);
    assert.ok(balancer.healthcheck, 'the balancer has a healthcheck');
    assert.ok(apis.some(([name]) => balancer.depends_on?.[name]?.condition === 'service_healthy'), 'starts once a replica is ready');
  });
});

/** The part of Caddy's JSON configuration (https://caddyserver.com/docs/json/) compose.yaml's balancer uses. */
interface CaddyConfig {
  apps?: {
    http?: {
      servers?: Record<string, {
        listen: string[];
        automatic_https?: { disable?: boolean };
        routes: Array<{
          handle: Array<{
            handler: string;
            upstreams: Array<{ dial: string }>;
            load_balancing?: { selection_policy?: { policy?: string }; try_duration?: string };
            health_checks?: { active?: { uri?: string; expect_status?: number } };
          }>;
        }>;
      }>;
    };
  };
}

describe('package.json', () => {
  it('ships the compiled server and needs no dev dependency to install', () => {
    assert.ok(pkg.files.includes('dist/src/') && pkg.files.includes('bin/') && pkg.files.includes('console/'));
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(pkg.scripts[s], undefined, `no ${s} script`);
    assert.match(pkg.scripts.prepack ?? '', /build/);
  });
});
