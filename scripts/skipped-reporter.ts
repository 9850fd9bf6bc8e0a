/**
 * A test reporter `npm test` (scripts/test.ts) adds beside the report: one JSON line per skipped test or suite,
 * `{ name, reason, file }`, from which the runner prints what was skipped and why when the run ends.
 */
import type { TestEvent } from 'node:test/reporters';

export interface Skipped {
  name: string;
  reason: string;
  /** The test module that declared it (the compiled one under .test-build/). */
  file?: string;
}

export default async function* skippedReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  for await (const event of source) {
    if (event.type !== 'test:pass') continue;
    const { skip, name, file } = event.data;
    if (skip === undefined || skip === false) continue;
    const skipped: Skipped = { name, reason: skip === true ? '' : skip, file };
    yield `${JSON.stringify(skipped)}\n`;
  }
}
