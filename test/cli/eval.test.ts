// `autonomy eval` as a user (or a script written for opa eval) runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'autonomy.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'eval', ...args], { encoding: 'utf8' });

const dir = mkdtempSync(join(tmpdir(), 'eval-'));
writeFileSync(join(dir, 'authz.rego'), 'package autonomy.authz\n\ndefault allow := false\nallow if input.tool in data.tools\nreasons contains "fast" if input.v > 2\n');
writeFileSync(join(dir, 'data.json'), '{"tools": ["move"]}');
writeFileSync(join(dir, 'input.json'), '{"tool": "move", "v": 3}');
mkdirSync(join(dir, 'bundle', 'limits'), { recursive: true });
writeFileSync(join(dir, 'bundle', 'limits', 'data.yaml'), 'max: 2\n');
writeFileSync(join(dir, 'bad.rego'), 'package bad\n\np if {\n  x :=\n}\n');

test('prints opa eval\'s JSON shape, sets as sorted arrays', () => {
  const r = run('-d', join(dir, 'authz.rego'), '-d', join(dir, 'data.json'), '-i', join(dir, 'input.json'), 'data.autonomy.authz');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.result[0].expressions[0].value, { allow: true, reasons: ['fast'] });
  assert.equal(out.result[0].expressions[0].text, 'data.autonomy.authz');
});

test('bindings, several rows, and {} when undefined', () => {
  const rows = JSON.parse(run('x := [3, 1][_]').stdout);
  assert.deepEqual(rows.result.map((r: { bindings: { x: number } }) => r.bindings.x), [3, 1]);
  assert.deepEqual(JSON.parse(run('-d', join(dir, 'authz.rego'), 'data.autonomy.authz.reasons[_]').stdout), {});
});

test('a directory places data files at their path; --input-term takes Rego terms', () => {
  const r = run('-d', join(dir, 'bundle'), '--input-term', '{"s": {1, 2}}', 'x := [data.limits.max, count(input.s)]');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).result[0].bindings.x, [2, 2]);
});

test('a policy error is {"errors": […]} with code and location, exit 1', () => {
  const r = run('-d', join(dir, 'bad.rego'), 'data.bad.p');
  assert.equal(r.status, 1);
  const e = JSON.parse(r.stdout).errors[0];
  assert.equal(e.code, 'rego_parse_error');
  assert.equal(e.location.file, join(dir, 'bad.rego'));
  assert.equal(e.location.row, 5);
});

test('strict builtin errors change undefined into an error', () => {
  assert.deepEqual(JSON.parse(run('x := 1 / 0').stdout), {});
  const r = run('--strict-builtin-errors', 'x := 1 / 0');
  assert.equal(r.status, 1);
  assert.equal(JSON.parse(r.stdout).errors[0].code, 'eval_builtin_error');
});

test('bad usage is exit 2 with a message, never a stack trace', () => {
  const r = run('-d', join(dir, 'missing.rego'), 'true');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no such file/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(run('-f', 'xml', 'true').status, 2);
});
