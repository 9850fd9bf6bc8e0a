/**
 * A small Dockerfile and .dockerignore reader for the container smoke test and its consistency test. It knows the
 * instructions this project's Dockerfile uses and throws on any other, so the smoke test cannot silently skip a step.
 */

export interface Instruction {
  op: string;
  /** Text after the keyword, continuation lines joined. */
  raw: string;
  line: number;
}

export interface CopyInstruction {
  from?: string;
  chown?: string;
  sources: string[];
  dest: string;
}

export interface HealthCheck {
  options: Record<string, string>;
  /** Exec form (a JSON array), or ['/bin/sh', '-c', text] for the shell form. */
  command: string[];
}

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

const KNOWN = new Set(['ARG', 'FROM', 'WORKDIR', 'ENV', 'COPY', 'RUN', 'USER', 'VOLUME', 'EXPOSE', 'HEALTHCHECK', 'ENTRYPOINT', 'CMD', 'LABEL']);

export function parseDockerfile(text: string): Dockerfile {
  const logical: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\s*\\\s*$/, '');
      i++;
      while (i < lines.length && /^\s*#/.test(lines[i]!)) i++; // comment lines inside a continuation are dropped
      if (i >= lines.length) break;
      line += ` ${lines[i]!.trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile:${start + 1}: cannot read "${line}"`);
    const op = m[1]!.toUpperCase();
    if (!KNOWN.has(op)) throw new Error(`Dockerfile:${start + 1}: ${op} is not supported by scripts/lib/dockerfile.ts`);
    logical.push({ op, raw: m[2]!.trim(), line: start + 1 });
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of logical) {
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.raw);
      if (!m) throw new Error(`Dockerfile:${ins.line}: cannot read FROM ${ins.raw}`);
      stages.push({ name: m[2] ?? String(stages.length), image: substitute(m[1]!, args), instructions: [] });
    } else if (stages.length === 0) {
      if (ins.op !== 'ARG') throw new Error(`Dockerfile:${ins.line}: ${ins.op} before FROM`);
      const [k, v] = splitOnce(ins.raw, '=');
      args[k] = v ?? '';
    } else {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return { args, stages };
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** `${NAME}` and `$NAME` from `vars`; unknown names become empty, as in Docker. */
export function substitute(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a: string, b: string) => vars[a ?? b] ?? '');
}

/** Splits on whitespace, honouring double and single quotes and backslash escapes (ENV, LABEL). */
function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && quote !== "'" && i + 1 < s.length) {
      cur += s[++i];
      any = true;
    } else if (quote) {
      if (c === quote) quote = null;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (/\s/.test(c)) {
      if (any) out.push(cur);
      cur = '';
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${s}`);
  if (any) out.push(cur);
  return out;
}

/** ENV in both forms: `K=V K2="v 2"` and the legacy `K value with spaces`. */
export function parseEnv(raw: string, vars: Record<string, string>): Record<string, string> {
  const first = raw.split(/\s/, 1)[0]!;
  if (!first.includes('=')) {
    const k = first;
    return { [k]: substitute(raw.slice(k.length).trim(), vars) };
  }
  const out: Record<string, string> = {};
  for (const w of words(raw)) {
    const [k, v] = splitOnce(w, '=');
    if (v === undefined) throw new Error(`ENV: expected KEY=VALUE, got ${w}`);
    out[k] = substitute(v, { ...vars, ...out });
  }
  return out;
}

/** Exec form (JSON array) or shell form. */
export function parseCommand(raw: string): string[] {
  if (raw.startsWith('[')) {
    const arr = JSON.parse(raw) as unknown;
    if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'string')) throw new Error(`not a JSON string array: ${raw}`);
    return arr;
  }
  return ['/bin/sh', '-c', raw];
}

export function parseCopy(raw: string, vars: Record<string, string>): CopyInstruction {
  let rest = raw;
  const flags: Record<string, string> = {};
  for (let m; (m = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest)); rest = rest.slice(m[0].length)) flags[m[1]!] = m[2] ?? 'true';
  const unknown = Object.keys(flags).filter((f) => f !== 'from' && f !== 'chown');
  if (unknown.length) throw new Error(`COPY --${unknown.join(', --')} is not supported by scripts/lib/dockerfile.ts`);
  const parts = (rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/)).map((p) => substitute(p, vars));
  if (parts.length < 2) throw new Error(`COPY needs a source and a destination: ${raw}`);
  if (parts.some((p) => /[*?[]/.test(p))) throw new Error(`COPY wildcards are not supported by scripts/lib/dockerfile.ts: ${raw}`);
  return { from: flags.from, chown: flags.chown, sources: parts.slice(0, -1), dest: parts[parts.length - 1]! };
}

export function parseHealthCheck(raw: string): HealthCheck | null {
  if (/^NONE$/i.test(raw)) return null;
  let rest = raw;
  const options: Record<string, string> = {};
  for (let m; (m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)); rest = rest.slice(m[0].length)) options[m[1]!] = m[2]!;
  const m = /^CMD\s+(.*)$/i.exec(rest);
  if (!m) throw new Error(`HEALTHCHECK: expected CMD, got ${rest}`);
  return { options, command: parseCommand(m[1]!) };
}

/** Docker durations: 30s, 1m30s, 500ms. */
export function durationMs(s: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let consumed = 0;
  for (let m; (m = re.exec(s)); ) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0].length;
  }
  if (consumed !== s.length || s.length === 0) throw new Error(`not a duration: ${s}`);
  return total;
}

/**
 * .dockerignore as the builder applies it: patterns relative to the context root (a leading / is dropped), `*` and
 * `?` within one path segment, `**` across segments, a match on a directory excludes everything below it, `!`
 * re-includes, and the last matching pattern wins.
 */
export function dockerignore(text: string): (relPath: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, re: new RegExp(`^${globToRegex(pattern)}(/.*)?$`) };
    });
  return (relPath) => {
    let excluded = false;
    for (const r of rules) if (r.re.test(relPath)) excluded = !r.negate;
    return excluded;
  };
}

function globToRegex(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*' && p[i + 1] === '*') {
      i++;
      if (p[i + 1] === '/') {
        i++;
        out += '(?:.*/)?';
      } else out += '.*';
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}
