// INV-02: the relay path is deterministic: no PRNG, no random jitter anywhere in src/edge/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { findRandomness } from './source-scan.ts';

const repo = resolve(import.meta.dirname, '..', '..');

test('INV-02: no randomness in src/edge', () => {
  assert.deepEqual(findRandomness(repo), []);
});

function scanPlanted(source: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'inv02-'));
  try {
    mkdirSync(join(dir, 'src', 'edge'), { recursive: true });
    writeFileSync(join(dir, 'src', 'edge', 'planted.ts'), source);
    return findRandomness(dir).map((u) => u.what);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('INV-02 check catches each kind of planted randomness', () => {
  assert.deepEqual(scanPlanted('export const d = 100 * Math.random();\n'), ['Math.random']);
  assert.deepEqual(scanPlanted("export const d = Math['random']();\n"), ['Math.random']);
  assert.deepEqual(scanPlanted("import { randomInt } from 'node:crypto';\nexport const d = randomInt(10);\n"), ['randomInt', 'randomInt']);
  assert.deepEqual(scanPlanted("import * as c from 'node:crypto';\nexport const id = c.randomUUID();\n"), ['randomUUID']);
  assert.deepEqual(scanPlanted('export const b = crypto.getRandomValues(new Uint8Array(4));\n'), ['getRandomValues']);
  assert.deepEqual(scanPlanted('export function backoff(n: number, addJitter: boolean) { return addJitter ? n : n; }\n'), ['addJitter', 'addJitter']);
});

test('INV-02 check ignores comments, strings and unrelated names', () => {
  assert.deepEqual(scanPlanted("// no Math.random() here, no jitter\nexport const s = 'randomBytes';\nexport const random = 3;\n"), []);
});
