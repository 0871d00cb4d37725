// INV-10: nothing under src/edge/ reaches the runtime, the policy engine or the orchestrator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { findBoundaryViolations } from './source-scan.ts';

const repo = resolve(import.meta.dirname, '..', '..');

test('INV-10: src/edge imports nothing from src/adk/{runtime,policy,orchestrator}', () => {
  assert.deepEqual(findBoundaryViolations(repo), []);
});

function plantedTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'inv10-'));
  cpSync(join(repo, 'src'), join(dir, 'src'), { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test('INV-10 check catches a direct import planted in a copy of the tree', () => {
  const dir = plantedTree({
    'src/adk/policy/engine.ts': 'export const x = 1;\n',
    'src/edge/planted.ts': "import { x } from '../adk/policy/engine.ts';\nexport const y = x;\n",
  });
  try {
    const v = findBoundaryViolations(dir);
    assert.equal(v.length, 1);
    assert.deepEqual(v[0]!.chain, ['src/edge/planted.ts', 'src/adk/policy/engine.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('INV-10 check catches a transitive import through shared code', () => {
  const dir = plantedTree({
    'src/adk/orchestrator/api.ts': 'export const api = 1;\n',
    'src/common/sneaky.ts': "export { api } from '../adk/orchestrator/api.ts';\n",
    'src/edge/relay-planted.ts': "const m = await import('../common/sneaky.ts');\nexport default m;\n",
  });
  try {
    const v = findBoundaryViolations(dir);
    assert.equal(v.length, 1);
    assert.deepEqual(v[0]!.chain, ['src/edge/relay-planted.ts', 'src/common/sneaky.ts', 'src/adk/orchestrator/api.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('INV-10 check ignores the forbidden path inside comments and strings, allows other adk modules', () => {
  const dir = plantedTree({
    'src/adk/audit/format.ts': 'export const f = 1;\n',
    'src/edge/ok-planted.ts': "// import '../adk/runtime/x.ts'\nimport { f } from '../adk/audit/format.ts';\nexport const s = '../adk/policy/y.ts' + f;\n",
  });
  try {
    assert.deepEqual(findBoundaryViolations(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
