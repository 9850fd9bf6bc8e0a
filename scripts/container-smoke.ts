/**
 * Container smoke test without a container engine (run by .ci/run; `npm run smoke:container`). It reads Dockerfile and
 * .dockerignore and replays them in one temp directory:
 *   - the build context is the checkout filtered by .dockerignore;
 *   - every stage gets its own root directory, container paths map into it (WORKDIR /app → <stage>/app);
 *   - WORKDIR, ENV, COPY (also --from a stage, --chown), RUN (in the mapped WORKDIR with the stage's ENV), USER,
 *     VOLUME, EXPOSE, HEALTHCHECK, ENTRYPOINT and CMD are applied; any other instruction fails the run;
 *   - `apt-get` steps are not run: the host must already have the commands they install (checked);
 *   - the image's user becomes `nobody` (setpriv) when run as root; chown in RUN/COPY maps to it.
 * Then it starts ENTRYPOINT + CMD with the image's environment (HOST=127.0.0.1 and a free PORT instead of the image's),
 * waits for /healthz, runs the HEALTHCHECK command, calls list_agents with the demo token, checks the SQLite file is
 * in the VOLUME, stops the server with SIGTERM and requires exit code 0. Everything is removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import {
  durationMs,
  dockerignore,
  parseCommand,
  parseCopy,
  parseDockerfile,
  parseEnv,
  parseHealthCheck,
  substitute,
  type HealthCheck,
} from './lib/dockerfile.js';
import {
  ROOT,
  assertNoDevDependencies,
  checkListAgents,
  demoToken,
  elapsed,
  freePort,
  killGroup,
  removeTree,
  log,
  run,
  startServer,
  stopServer,
  useLocalPrebuild,
  waitHealthy,
  watchdog,
  type Server,
} from './lib/smoke.js';

const TOTAL_TIMEOUT_MS = 15 * 60_000;
const started = Date.now();

const tmp = mkdtempSync(join(tmpdir(), 'config-api-container-smoke-'));
chmodSync(tmp, 0o755); // the unprivileged user must reach the run stage
let server: Server | undefined;
const timer = watchdog('container smoke', TOTAL_TIMEOUT_MS, () => {
  killGroup(server);
  removeTree(tmp);
});

/** Who runs the image's USER here: `nobody` via setpriv when root, else the current user (noted). */
function runAs(): { uid: number; gid: number; wrap: string[]; note: string } {
  const uid = process.getuid!();
  const gid = process.getgid!();
  if (uid !== 0) return { uid, gid, wrap: [], note: `as the current user (uid ${uid}): not root, cannot switch user` };
  const id = (flag: string) => Number(spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout.trim());
  const hasSetpriv = spawnSync('setpriv', ['--version'], { encoding: 'utf8' }).status === 0;
  const nobody = { uid: id('-u'), gid: id('-g') };
  if (!hasSetpriv || !Number.isInteger(nobody.uid) || nobody.uid === 0) {
    return { uid, gid, wrap: [], note: 'as root: setpriv or the nobody user is missing' };
  }
  return {
    ...nobody,
    wrap: ['setpriv', `--reuid=${nobody.uid}`, `--regid=${nobody.gid}`, '--clear-groups', '--'],
    note: `as nobody (uid ${nobody.uid}) via setpriv`,
  };
}

/** Copies the checkout into `dest` as the builder would send it: without what .dockerignore excludes. */
function buildContext(dest: string): number {
  const ignored = dockerignore(existsSync(join(ROOT, '.dockerignore')) ? readFileSync(join(ROOT, '.dockerignore'), 'utf8') : '');
  let files = 0;
  const walk = (rel: string) => {
    for (const name of readdirSync(join(ROOT, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      if (ignored(r)) continue;
      const st = lstatSync(join(ROOT, r));
      if (st.isDirectory()) {
        mkdirSync(join(dest, r), { recursive: true });
        walk(r);
      } else {
        cpSync(join(ROOT, r), join(dest, r), { verbatimSymlinks: true });
        files++;
      }
    }
  };
  mkdirSync(dest, { recursive: true });
  walk('');
  return files;
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (lstatSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

interface Image {
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  volumes: string[];
  expose: string[];
  healthcheck: HealthCheck | null;
  entrypoint: string[];
  cmd: string[];
}

try {
  const user = runAs();
  const file = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const context = join(tmp, 'context');
  const t0 = Date.now();
  const files = buildContext(context);
  log(`== build context: ${files} files (.dockerignore applied) in ${elapsed(t0)}`);
  useLocalPrebuild(tmp);

  const images = new Map<string, Image>();
  let image: Image | undefined;
  for (const stage of file.stages) {
    const ts = Date.now();
    log(`== stage ${stage.name} (FROM ${stage.image})`);
    const m = /^node:(\d+)[-.]/.exec(stage.image) ?? /^node:(\d+)$/.exec(stage.image);
    if (!m) throw new Error(`stage ${stage.name}: base image ${stage.image} is not a node image; this smoke runs on the host's Node.js`);
    const hostMajor = process.versions.node.split('.')[0];
    if (m[1] !== hostMajor) throw new Error(`stage ${stage.name}: image has Node.js ${m[1]}, this host ${hostMajor}`);
    image = { root: join(tmp, 'stages', stage.name), workdir: '/', env: {}, volumes: [], expose: [], healthcheck: null, entrypoint: [], cmd: [] };
    mkdirSync(image.root, { recursive: true });
    chmodSync(join(tmp, 'stages'), 0o755);
    chmodSync(image.root, 0o755);
    const img = image;
    const host = (p: string) => join(img.root, posix.resolve(img.workdir, p));
    const vars = () => ({ ...file.args, ...img.env });
    // The image's USER name (node) as it appears in chown; mapped to the user that runs it here.
    const imageUser = stage.instructions.find((i) => i.op === 'USER')?.raw.split(':')[0];
    const mapOwner = (spec: string) => (spec.split(':')[0] === imageUser ? `${user.uid}:${user.gid}` : spec);
    for (const ins of stage.instructions) {
      switch (ins.op) {
        case 'ARG': {
          const [k, v] = ins.raw.split('=', 2) as [string, string | undefined];
          file.args[k] = v ?? file.args[k] ?? '';
          break;
        }
        case 'LABEL':
        case 'EXPOSE':
          if (ins.op === 'EXPOSE') img.expose.push(...substitute(ins.raw, vars()).split(/\s+/));
          break;
        case 'WORKDIR':
          img.workdir = posix.resolve(img.workdir, substitute(ins.raw, vars()));
          mkdirSync(host('.'), { recursive: true });
          break;
        case 'ENV':
          Object.assign(img.env, parseEnv(ins.raw, vars()));
          break;
        case 'USER':
          img.user = substitute(ins.raw, vars());
          break;
        case 'VOLUME':
          img.volumes.push(...parseCommandOrList(ins.raw));
          break;
        case 'HEALTHCHECK':
          img.healthcheck = parseHealthCheck(ins.raw);
          break;
        case 'ENTRYPOINT':
          img.entrypoint = parseCommand(ins.raw);
          break;
        case 'CMD':
          img.cmd = parseCommand(ins.raw);
          break;
        case 'COPY': {
          const c = parseCopy(ins.raw, vars());
          const fromRoot = c.from ? images.get(c.from)?.root : undefined;
          if (c.from && !fromRoot) throw new Error(`Dockerfile:${ins.line}: COPY --from=${c.from}: no such stage before it`);
          const destIsDir = c.dest.endsWith('/') || c.sources.length > 1;
          for (const src of c.sources) {
            const from = fromRoot ? join(fromRoot, posix.resolve('/', src)) : join(context, posix.normalize(src));
            if (!fromRoot && posix.normalize(src).startsWith('..')) throw new Error(`COPY source outside the context: ${src}`);
            if (!existsSync(from)) throw new Error(`Dockerfile:${ins.line}: COPY ${src}: not found${fromRoot ? '' : ' in the build context (.dockerignore?)'}`);
            const isDir = statSync(from).isDirectory();
            const to = isDir ? host(c.dest) : destIsDir ? join(host(c.dest), basename(src)) : host(c.dest);
            mkdirSync(isDir ? to : dirname(to), { recursive: true });
            cpSync(from, to, { recursive: true, verbatimSymlinks: true });
            if (c.chown) {
              const [u, g] = mapOwner(c.chown).split(':').map(Number);
              if (process.getuid!() === 0 && Number.isInteger(u)) chownTree(to, u!, Number.isInteger(g) ? g! : u!);
            }
          }
          log(`   COPY ${ins.raw}`);
          break;
        }
        case 'RUN': {
          let cmd = substitute(ins.raw, {}); // no build-arg references in RUN here; the shell expands the rest
          if (/\bapt-get\b/.test(cmd)) {
            const pkgs = (/apt-get install\s+([^&;|]*)/.exec(cmd)?.[1] ?? '').split(/\s+/).filter((w) => w && !w.startsWith('-'));
            const missing = pkgs.filter((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0);
            log(`   RUN apt-get … (not run here; host has ${pkgs.filter((p) => !missing.includes(p)).join(', ') || 'none'}${missing.length ? `; missing ${missing.join(', ')}` : ''})`);
            break;
          }
          const rootDir = img.workdir.split('/')[1];
          if (rootDir && new RegExp(`(^|[\\s=:'"])/${rootDir}(/|\\b)`).test(cmd)) {
            throw new Error(`Dockerfile:${ins.line}: RUN uses the container path /${rootDir}; use paths relative to WORKDIR`);
          }
          if (imageUser) cmd = cmd.replace(new RegExp(`(chown\\s+(?:-\\S+\\s+)*)${imageUser}(?::${imageUser})?(?=\\s)`, 'g'), `$1${user.uid}:${user.gid}`);
          const tr = Date.now();
          // A container build sees only the image's environment; keep PATH and HOME (npm cache, .npmrc) from the host.
          const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...file.args, ...img.env };
          run('/bin/sh', ['-c', cmd], { cwd: host('.'), env, timeoutMs: 10 * 60_000, quiet: true });
          log(`   RUN ${cmd}  (${elapsed(tr)})`);
          break;
        }
        default:
          throw new Error(`Dockerfile:${ins.line}: ${ins.op} not handled`);
      }
    }
    images.set(stage.name, img);
    log(`   stage ${stage.name}: ${elapsed(ts)}`);
  }

  const img = image!;
  if (!img.user || img.user === 'root' || img.user === '0') throw new Error('the run stage must set a non-root USER');
  if (!img.entrypoint.length && !img.cmd.length) throw new Error('no ENTRYPOINT or CMD');
  assertNoDevDependencies(join(img.root, posix.resolve(img.workdir, 'node_modules')));
  log('   run stage: production dependencies only');

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const home = join(tmp, 'home');
  mkdirSync(home);
  if (process.getuid!() === 0) chownSync(home, user.uid, user.gid);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...img.env, HOST: '127.0.0.1', PORT: String(port) };
  const argv = [...user.wrap, ...img.entrypoint, ...img.cmd];
  log(`== start ${[...img.entrypoint, ...img.cmd].join(' ')} ${user.note}; image env ${JSON.stringify(img.env)} with HOST=127.0.0.1 PORT=${port}`);
  const tstart = Date.now();
  server = startServer(argv[0]!, argv.slice(1), { cwd: join(img.root, img.workdir), env });
  log(`   /healthz 200 after ${await waitHealthy(`${base}/healthz`, server, 60_000)} ms`);

  if (img.healthcheck) {
    const hc = img.healthcheck;
    const timeout = durationMs(hc.options.timeout ?? '30s');
    const retries = Number(hc.options.retries ?? 3);
    let ok = false;
    for (let i = 0; i < retries && !ok; i++) {
      const r = spawnSync(hc.command[0]!, hc.command.slice(1), { cwd: join(img.root, img.workdir), env, timeout, encoding: 'utf8' });
      ok = r.status === 0;
      if (!ok) await new Promise((res) => setTimeout(res, 1000));
    }
    const readyz = await fetch(`${base}/readyz`).then((r) => r.status, () => 0);
    if (ok) log('   HEALTHCHECK command: healthy');
    else throw new Error(`HEALTHCHECK command failed (GET /readyz → ${readyz})`);
  } else throw new Error('the run stage has no HEALTHCHECK');

  await checkListAgents(base, demoToken(server.output()));
  const volume = img.volumes.find((v) => existsSync(join(img.root, v, 'config-api.sqlite')));
  if (!volume) throw new Error(`the SQLite file is not in a VOLUME (${img.volumes.join(', ')})`);
  const st = statSync(join(img.root, volume, 'config-api.sqlite'));
  if (st.uid !== user.uid) throw new Error(`the SQLite file is owned by uid ${st.uid}, not the image's user`);
  log(`   SQLite file in VOLUME ${volume}, owned by uid ${st.uid}`);
  const { code, signal } = await stopServer(server, 20_000);
  if (code !== 0) throw new Error(`server exited with ${code ?? signal} after SIGTERM:\n${server.output()}`);
  log(`   SIGTERM → exit code 0 (server ran ${elapsed(tstart)})`);
  log(`container smoke: OK in ${elapsed(started)}`);
} catch (err) {
  process.stderr.write(`container smoke: FAILED: ${(err as Error).message}\n`);
  killGroup(server);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  const tc = Date.now();
  removeTree(tmp);
  log(`   removed ${tmp} in ${elapsed(tc)}; total ${elapsed(started)}`);
}

/** VOLUME ["/a", "/b"] or VOLUME /a /b. */
function parseCommandOrList(raw: string): string[] {
  return raw.startsWith('[') ? parseCommand(raw) : raw.split(/\s+/);
}
