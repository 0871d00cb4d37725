// The conformance ratchet: every case listed in baseline.json must still pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DEFAULT_CASES, readBaseline, runAll } from './runner.ts';

test('every baseline conformance case still passes', { skip: !existsSync(DEFAULT_CASES) && 'no ../shared/conformance beside the repository' }, () => {
  const baseline = new Set(readBaseline());
  assert.ok(baseline.size > 0, 'baseline.json lists no cases');
  const outcomes = runAll(DEFAULT_CASES);
  const byNote = new Map(outcomes.map((o) => [o.id, o]));
  const regressions = [...baseline].filter((n) => byNote.get(n)?.status !== 'passed').map((n) => `${n}: ${byNote.get(n)?.reason ?? 'case not found'}`);
  assert.deepEqual(regressions, [], `${regressions.length} baseline case(s) regressed`);
});
