/**
 * One owner per table (docs/architecture.md, "Where a change goes" → "A table"): every table is read and written by
 * its owning module alone; other modules call the owner's functions, and a filter on another area's table is a
 * subquery or condition built by that table's owner. This test reads the sources (src/, migrations aside), finds the
 * tables named by Kysely calls (`selectFrom`, `insertInto`, `updateTable`, `deleteFrom`, joins, …) and by `sql`
 * text, and fails on every reference outside the table's owner, listing file:line. It also checks that every table
 * the migrations create has an owner, and that row types are merged into `Database` by the owner only.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/processes.js';

/** Table → owner: a module, or a folder (ending in '/') whose modules together own it. Same list as the docs. */
const OWNERS: Record<string, readonly string[]> = {
  organizations: ['src/tenancy/licenses.ts'],
  licenses: ['src/tenancy/licenses.ts'],
  applications: ['src/tenancy/applications.ts'],
  installations: ['src/tenancy/applications.ts'],
  access_tokens: ['src/tenancy/credentials.ts'],
  pats: ['src/tenancy/credentials.ts'],
  admin_snapshots: ['src/provisioning/snapshots.ts'],
  // Agents and bots share the table: the agents' rows (repo.ts) and the bots area's queries (bot-rows.ts).
  agents: ['src/agents/repo.ts', 'src/agents/bot-rows.ts'],
  unsuspension_requests: ['src/agents/unsuspension-requests.ts'],
  groups: ['src/groups/repo.ts'],
  group_members: ['src/groups/repo.ts'],
  bot_templates: ['src/bots/templates-repo.ts'],
  tags: ['src/tags/repo.ts'],
  tag_groups: ['src/tags/repo.ts'],
  auto_accesses: ['src/auto-access/repo.ts'],
  channels: ['src/other/channels.ts'],
  greetings: ['src/greetings/repo.ts'],
  greeting_counters: ['src/greetings/repo.ts'],
  customer_bans: ['src/bans/repo.ts'],
  email_bounces: ['src/email-bounces/repo.ts'],
  company_details: ['src/company/repo.ts'],
  property_definitions: ['src/properties/definitions.ts'],
  property_values: ['src/properties/values-repo.ts'],
  // The webhooks folder as a whole: outbox, delivery worker, retention and delivery views join these in one statement.
  webhooks: ['src/webhooks/'],
  webhook_license_states: ['src/webhooks/'],
  webhook_events: ['src/webhooks/'],
  webhook_deliveries: ['src/webhooks/'],
  webhook_delivery_attempts: ['src/webhooks/'],
  // What the nodes of a PostgreSQL database share (PostgreSQL only): each table the PostgreSQL implementation of its piece.
  rate_limit_counters: ['src/shared-state/pg-rate-counters.ts'],
  auth_failures: ['src/shared-state/pg-auth-failures.ts'],
  fault_rules: ['src/shared-state/pg-fault-rules.ts'],
  request_journal: ['src/shared-state/pg-journal.ts'],
  console_sessions: ['src/shared-state/pg-console-sessions.ts'],
  // The store's own bookkeeping.
  counters: ['src/store/'],
  settings: ['src/store/'],
  kysely_migration: ['src/store/'],
};
/** Tables not created by a migration of ours (Kysely's migrator creates its own). */
const NOT_MIGRATED = new Set(['kysely_migration']);
/**
 * The one exception: a licence's configuration as a whole (reset, snapshots) reads and writes every configuration
 * table generically (docs/decisions.md).
 */
const EVERY_TABLE = new Set(['src/provisioning/snapshots.ts']);

const MIGRATIONS = 'src/store/migrations/';

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) tsFiles(path, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/**
 * The source with comments replaced by blanks (line breaks kept, so offsets and lines stay), strings, templates and
 * regular expression literals left as they are.
 */
function blankComments(src: string): string {
  const out = src.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  /** Open template literals and `${` expressions: 't' = inside template text, number = brace depth in an expression. */
  const stack: Array<'t' | number> = [];
  let i = 0;
  let prev = ''; // last significant character of code (to tell a regular expression from a division)
  const skipString = (q: string) => {
    for (i++; i < src.length && src[i] !== q; i++) if (src[i] === '\\') i++;
    i++;
  };
  while (i < src.length) {
    const top = stack[stack.length - 1];
    const c = src[i]!;
    if (top === 't') {
      if (c === '\\') i += 2;
      else if (c === '`') {
        stack.pop();
        i++;
        prev = '`';
      } else if (c === '$' && src[i + 1] === '{') {
        stack.push(0);
        i += 2;
        prev = '{';
      } else i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      const to = end < 0 ? src.length : end;
      blank(i, to);
      i = to;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const to = end < 0 ? src.length : end + 2;
      blank(i, to);
      i = to;
    } else if (c === '/' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev) || /\b(return|typeof|case|of|in)$/.test(src.slice(Math.max(0, i - 8), i).trimEnd()))) {
      let inClass = false;
      for (i++; i < src.length && src[i] !== '\n'; i++) {
        if (src[i] === '\\') i++;
        else if (src[i] === '[') inClass = true;
        else if (src[i] === ']') inClass = false;
        else if (src[i] === '/' && !inClass) break;
      }
      i++;
      prev = '/';
    } else if (c === "'" || c === '"') {
      skipString(c);
      prev = c;
    } else if (c === '`') {
      stack.push('t');
      i++;
    } else {
      if (typeof top === 'number') {
        if (c === '{') stack[stack.length - 1] = top + 1;
        else if (c === '}') {
          if (top === 0) stack.pop();
          else stack[stack.length - 1] = top - 1;
        }
      }
      if (!/\s/.test(c)) prev = c;
      i++;
    }
  }
  return out.join('');
}

/** The literal text of the template starting at the backtick `open` (interpolations left out), and where it ends. */
function templateText(src: string, open: number): { text: string; end: number } {
  let text = '';
  let i = open + 1;
  while (i < src.length && src[i] !== '`') {
    if (src[i] === '\\') {
      text += src.slice(i, i + 2);
      i += 2;
    } else if (src[i] === '$' && src[i + 1] === '{') {
      let depth = 0;
      for (i += 2; i < src.length; i++) {
        if (src[i] === '`') i = templateText(src, i).end;
        else if (src[i] === "'" || src[i] === '"') {
          const q = src[i];
          for (i++; i < src.length && src[i] !== q; i++) if (src[i] === '\\') i++;
        } else if (src[i] === '{') depth++;
        else if (src[i] === '}' && depth-- === 0) break;
      }
      text += ' ';
      i++;
    } else text += src[i++];
  }
  return { text, end: i };
}

interface TableReference {
  table: string;
  line: number;
  how: string;
}

const KYSELY_CALL =
  /(?<!\bsql\.)\b(selectFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto|innerJoin|leftJoin|rightJoin|fullJoin|crossJoin|innerJoinLateral|leftJoinLateral|crossJoinLateral|with|withRecursive|table)\(\s*(\[[^\]]*\]|'[^']*'|"[^"]*")/g;
const SQL_TEMPLATE = /\bsql(?:<[^`;]*?>)?`/g;
const SQL_STRING_ARG = /\bsql\.(raw|table|id|ref)\(\s*('[^']*'|"[^"]*"|`[^`$]*`)/g;
/** Table names in SQL text: after FROM/JOIN/INTO/UPDATE/TABLE, or qualifying a column (`counters.value`). */
const SQL_TABLE = /\b(?:from|join|into|update|table)\s+"?([a-z_][a-z0-9_]*)"?|\b([a-z_][a-z0-9_]*)\.(?=[a-z_"*])/gi;

/** Every reference to one of `tables` in a source file's code (comments aside). */
function tableReferences(source: string, tables: ReadonlySet<string>): TableReference[] {
  const code = blankComments(source);
  const lineAt = (offset: number) => code.slice(0, offset).split('\n').length;
  const refs: TableReference[] = [];
  const add = (name: string, offset: number, how: string) => {
    const table = name.trim().split(/\s+as\s+/i)[0]!.trim().toLowerCase();
    if (tables.has(table)) refs.push({ table, line: lineAt(offset), how });
  };
  for (const m of code.matchAll(KYSELY_CALL)) {
    for (const lit of m[2]!.matchAll(/'([^']*)'|"([^"]*)"/g)) add(lit[1] ?? lit[2]!, m.index, `${m[1]}(…)`);
  }
  /** Names in SQL text found at `offset` of the code; the line is the first occurrence of the name from there. */
  const sqlText = (text: string, offset: number, how: string) => {
    for (const t of text.matchAll(SQL_TABLE)) {
      const name = t[1] ?? t[2]!;
      const at = code.indexOf(name, offset + t.index);
      add(name, at < 0 ? offset : at, how);
    }
  };
  for (const m of code.matchAll(SQL_TEMPLATE)) {
    const open = m.index + m[0].length - 1;
    sqlText(templateText(code, open).text, open, 'sql`…`');
  }
  for (const m of code.matchAll(SQL_STRING_ARG)) {
    const arg = m[2]!.slice(1, -1);
    if (m[1] === 'raw') sqlText(arg, m.index, 'sql.raw(…)');
    else add(arg.split('.')[0]!, m.index, `sql.${m[1]}(…)`);
  }
  return refs.sort((a, b) => a.line - b.line);
}

const ownedBy = (file: string, owners: readonly string[]): boolean =>
  owners.some((o) => (o.endsWith('/') ? file.startsWith(o) : file === o));

/** The tables the migrations create (`createTable('x')`), with where. */
function migratedTables(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of tsFiles(MIGRATIONS.slice(0, -1))) {
    const code = blankComments(read(file));
    for (const m of code.matchAll(/\bcreateTable\(\s*['"]([a-z_][a-z0-9_]*)['"]/g)) out.set(m[1]!, file);
  }
  return out;
}

/** Top-level keys of the `interface Database { … }` blocks of a file (schema.ts and the owners' declaration merges). */
function databaseDeclarations(source: string): TableReference[] {
  const code = blankComments(source);
  const lines = code.split('\n');
  const out: TableReference[] = [];
  let depth = 0; // braces open since `interface Database {`, 0 = outside such a block
  lines.forEach((text, i) => {
    if (depth === 0 && !/\binterface\s+Database\s*\{/.test(text)) return;
    const key = depth === 1 ? /^\s*([a-z_][a-z0-9_]*)\??\s*:/.exec(text) : null;
    if (key) out.push({ table: key[1]!, line: i + 1, how: 'interface Database' });
    for (const ch of text) {
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
    }
  });
  return out;
}

describe('one owner per table', () => {
  const files = tsFiles('src').filter((f) => !f.startsWith(MIGRATIONS));
  const migrated = migratedTables();
  const tables = new Set([...Object.keys(OWNERS), ...migrated.keys()]);

  it('finds table references in Kysely calls and sql text (self-check of the scanner)', () => {
    const sample = [
      "db.selectFrom('agents as a').innerJoin('licenses as l', 'l.id', 'a.license_id')",
      "  .leftJoin(['pats', 'groups'])",
      '// selectFrom(\'tags\') in a comment is not a reference',
      "const s = '/* not a comment */';",
      'await sql`SELECT id FROM licenses WHERE id IN (${sql.join(ids.map((i) => `${i}`))}) FOR UPDATE`.execute(trx);',
      "trx.insertInto('counters').onConflict((oc) => oc.doUpdateSet({ value: sql`counters.value + 1` }))",
      "const re = /'/; db.updateTable('tags') // it's a comment: deleteFrom('channels')",
      "sql.table('settings')",
    ].join('\n');
    const found = tableReferences(sample, tables).map((r) => `${r.line}:${r.table}`);
    assert.deepEqual(found, ['1:agents', '1:licenses', '2:pats', '2:groups', '5:licenses', '6:counters', '6:counters', '7:tags', '8:settings']);
  });

  it('reads and writes every table only in its owner module (src/provisioning/snapshots.ts aside)', () => {
    const violations: string[] = [];
    let seen = 0;
    for (const file of files) {
      for (const ref of tableReferences(read(file), tables)) {
        seen++;
        const owners = OWNERS[ref.table];
        if (EVERY_TABLE.has(file) || (owners && ownedBy(file, owners))) continue;
        violations.push(`${file}:${ref.line}  ${ref.how} on \`${ref.table}\` (owner: ${owners ? owners.join(', ') : 'none'})`);
      }
    }
    assert.ok(seen > 100, `the scanner found only ${seen} table references in src/`);
    assert.deepEqual(violations, [], `tables used outside their owner:\n  ${violations.join('\n  ')}\n`);
  });

  it('has an owner for every table the migrations create, and no owner for a table that does not exist', () => {
    assert.ok(migrated.size > 20, `found only ${migrated.size} tables in ${MIGRATIONS}`);
    const ownerless = [...migrated].filter(([t]) => !(t in OWNERS)).map(([t, file]) => `${t} (${file})`);
    assert.deepEqual(ownerless, [], 'tables without an owner in this test (and in docs/architecture.md)');
    const stale = Object.keys(OWNERS).filter((t) => !migrated.has(t) && !NOT_MIGRATED.has(t));
    assert.deepEqual(stale, [], 'owners listed for tables no migration creates');
  });

  it('declares each table row type beside its owner (merged into Database), the store its own tables only', () => {
    const misplaced: string[] = [];
    const declared = new Set<string>();
    for (const file of files) {
      for (const d of databaseDeclarations(read(file))) {
        declared.add(d.table);
        const owners = OWNERS[d.table];
        if (owners && ownedBy(file, owners)) continue;
        misplaced.push(`${file}:${d.line}  \`${d.table}\` (owner: ${owners ? owners.join(', ') : 'none'})`);
      }
    }
    assert.deepEqual(misplaced, [], `row types declared outside their owner:\n  ${misplaced.join('\n  ')}\n`);
    const undeclared = [...migrated.keys()].filter((t) => !declared.has(t));
    assert.deepEqual(undeclared, [], 'tables with no row type in Database');
  });

  it('lists the same owners in docs/architecture.md', () => {
    const row = read('docs/architecture.md').split('\n').find((l) => l.startsWith('| A table |'));
    assert.ok(row, 'docs/architecture.md has no "A table" row');
    const missing = [...new Set(Object.values(OWNERS).flat())]
      .map((o) => o.replace(/^src\//, ''))
      .filter((o) => !row.includes(`\`${o}\``));
    assert.deepEqual(missing, [], 'owners the "A table" row of docs/architecture.md does not name');
  });
});
