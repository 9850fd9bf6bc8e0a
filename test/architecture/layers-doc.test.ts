/**
 * docs/architecture.md's Layers table says what the dependency rules enforce: its rows name, bottom to top, the same
 * layers as LAYERS in .dependency-cruiser.cjs (the places in the "Where" column are the layer's paths), the Areas row
 * lists the areas in AREA_ORDER, and every folder and top-level module of src/ is in a row. A layer added, moved or
 * reordered on one side only fails here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/processes.js';

interface Layer {
  name: string;
  paths: string[];
}
const { LAYERS, AREA_ORDER } = (createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs')) as {
  layers: { LAYERS: Layer[]; AREA_ORDER: string[] };
}).layers;

/** Rows of the table under "## Layers": layer name, the backticked places of "Where", the "What it holds" text. */
function docRows(): Array<{ layer: string; where: string[]; what: string }> {
  const text = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const section = text.slice(text.indexOf('## Layers'), text.indexOf('\n## ', text.indexOf('## Layers') + 1));
  return section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Layer ') && !l.startsWith('|---'))
    .map((l) => {
      const cells = l.split(' | ');
      const [layer, where, , what] = [cells[0]!.slice(2), cells[1]!, cells[2], cells.slice(3).join(' | ')];
      return { layer, where: [...where.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), what };
    });
}

/** A place of the doc (`src/store/`, `src/app.ts`) as the rule's path pattern. */
const asPattern = (place: string): string =>
  `^${place.replace(/\./g, '\\.')}${place.endsWith('/') ? '' : '$'}`;

describe('docs/architecture.md Layers table', () => {
  const rows = docRows().filter((r) => r.layer !== 'Typed client'); // outside the layers (its own rule)
  const areaRow = rows.findIndex((r) => r.where.includes('src/<area>/'));

  it('names the layers of the dependency rules, bottom to top, with their paths', () => {
    const expected: Array<{ paths: string[] }> = [];
    for (const l of LAYERS) {
      if (AREA_ORDER.some((a) => l.name === `area ${a}`)) {
        if (expected.at(-1)?.paths[0] !== 'AREAS') expected.push({ paths: ['AREAS'] });
      } else expected.push({ paths: [...l.paths].sort() });
    }
    const documented = rows.map((r, i) => ({ paths: i === areaRow ? ['AREAS'] : r.where.map(asPattern).sort() }));
    assert.deepEqual(documented, expected);
  });

  it('lists the areas in the order of AREA_ORDER', () => {
    assert.ok(areaRow >= 0, 'an Areas row with src/<area>/');
    const named = rows[areaRow]!.where.filter((w) => /^[a-z-]+$/.test(w));
    assert.deepEqual(named, AREA_ORDER);
  });

  it('places every folder and top-level module of src/', () => {
    const patterns = [...LAYERS.flatMap((l) => l.paths), '^src/client/'].map((p) => new RegExp(p));
    for (const entry of readdirSync(join(ROOT, 'src'), { withFileTypes: true })) {
      const path = `src/${entry.name}${entry.isDirectory() ? '/' : ''}`;
      const probe = entry.isDirectory() ? `${path}x.ts` : path;
      assert.ok(patterns.some((p) => p.test(probe)), `${path} is in no layer of .dependency-cruiser.cjs and docs/architecture.md`);
    }
  });
});
