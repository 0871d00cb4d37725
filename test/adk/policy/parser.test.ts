// The parser through its public functions: errors are coded and located; the printer and the
// parser agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AutonomyError } from '../../../src/common/errors.ts';
import { parseModule, parseQuery } from '../../../src/adk/policy/parser.ts';
import { printModule } from '../../../src/adk/policy/printer.ts';
import { module, term } from './rego-gen.ts';
import { existsSync } from 'node:fs';
import { caseFiles, DEFAULT_CASES, loadCases } from '../../conformance/runner.ts';

function stripLocations(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'loc' || k === 'packageLoc' || k === 'file' || k === 'text' || k === 'raw' ? undefined : typeof v === 'bigint' ? `${v}n` : v)));
}

test('parse errors carry rego_parse_error and file:row:col', () => {
  assert.throws(
    () => parseModule('package p\n\nallow if {\n  x := \n}\n', 'policy.rego'),
    (e: unknown) => e instanceof AutonomyError && e.code === 'rego_parse_error' && e.location?.file === 'policy.rego' && e.location.row === 5 && e.location.col === 1,
  );
  assert.throws(() => parseModule('allow := true'), (e: unknown) => e instanceof AutonomyError && e.code === 'rego_parse_error' && /package expected/.test(e.message));
  assert.throws(() => parseModule('package p\np { true }'), (e: unknown) => e instanceof AutonomyError && /`if` keyword is required/.test(e.message));
});

test('deep nesting is a parse error, not a stack overflow', () => {
  const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
  assert.throws(() => parseQuery(`x := ${deep}`), (e: unknown) => e instanceof AutonomyError && e.code === 'rego_parse_error');
});

test('property: the parser throws nothing but coded errors on arbitrary text', () => {
  const alphabet = fc.constantFrom(...'package p import input data if else not some every with as in contains := = == { } [ ] ( ) , ; . | & + - * / % $ " ` # \n x y 1 2.5 "s" true null _'.split(' '), ' ', '\n', '\\', '\t');
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.array(alphabet, { maxLength: 40 }).map((a) => a.join(' '))), (src) => {
      try {
        parseModule(src);
        parseQuery(src);
      } catch (e) {
        if (!(e instanceof AutonomyError)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: printing a parsed module and parsing it again gives the same AST', () => {
  fc.assert(
    fc.property(module, (src) => {
      const a = parseModule(src);
      const b = parseModule(printModule(a));
      assert.deepEqual(stripLocations(b), stripLocations(a));
    }),
    { numRuns: 500 },
  );
});

test('property: terms survive printing too', () => {
  fc.assert(
    fc.property(term, (t) => {
      const src = `package t\n\np := ${t}\n`;
      const a = parseModule(src);
      assert.deepEqual(stripLocations(parseModule(printModule(a))), stripLocations(a));
    }),
    { numRuns: 500 },
  );
});

test('every module of the conformance corpus survives printing and parsing', { skip: !existsSync(DEFAULT_CASES) && 'no ../shared/conformance' }, () => {
  let checked = 0;
  for (const file of caseFiles(DEFAULT_CASES)) {
    for (const c of loadCases(file)) {
      for (const src of c.modules ?? []) {
        let a;
        try {
          a = parseModule(src);
        } catch {
          continue; // cases about parse errors
        }
        assert.deepEqual(stripLocations(parseModule(printModule(a))), stripLocations(a), `${file}: ${c.note}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 500);
});
