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

test('k, v in coll is membership with a key where a comma cannot separate items; in chains to the left', () => {
  const lit = (src: string) => stripLocations(parseQuery(src)[0]);
  const member3 = (k: unknown, v: unknown, c: unknown) => ({ type: 'call', op: ['internal', 'member_3'], args: [k, v, c] });
  const n = (x: number) => ({ type: 'number', value: x });
  const arr = (...items: unknown[]) => ({ type: 'array', items });
  // Inside parentheses and after := the comma belongs to the membership test...
  const inParens = lit('(0, 2 in [2]) in [true]') as { term: { op: string[]; args: unknown[] } };
  assert.deepEqual(inParens.term.op, ['internal', 'member_2']);
  assert.deepEqual(inParens.term.args[0], member3(n(0), n(2), arr(n(2))));
  assert.deepEqual((lit('x := 1, "foo" in 1') as { rhs: unknown }).rhs, member3(n(1), { type: 'string', value: 'foo' }, n(1)));
  // ...in a collection or an argument list it separates items unless parenthesised.
  assert.equal((lit('x := [1, 1 in [2]]') as { rhs: { items: unknown[] } }).rhs.items.length, 2);
  assert.equal((lit('x := [(1, 1 in [2])]') as { rhs: { items: unknown[] } }).rhs.items.length, 1);
  assert.equal((lit('f((1, 1 in [2]))') as { term: { args: unknown[] } }).term.args.length, 1);
  // a in b in c tests (a in b) in c.
  const chained = lit('1 in [1] in [true]') as { term: { args: [{ op: string[] }, unknown] } };
  assert.deepEqual(chained.term.args[0].op, ['internal', 'member_2']);
  // A key/value pair not followed by `in` is still an error.
  assert.throws(() => parseQuery('x, y'), (e: unknown) => e instanceof AutonomyError && e.code === 'rego_parse_error');
});

test('a member test with a key prints in parentheses wherever a comma would split it', () => {
  for (const src of ['x := {(1, 1 in [2])}', 'f((1, 1 in [2]))', 'x := [(0, 2 in [2]) in [true]]', '"a", 1 in {"a": 1}']) {
    const m = parseModule(`package p\np if {\n\t${src}\n}`);
    assert.deepEqual(stripLocations(parseModule(printModule(m))), stripLocations(m), src);
  }
});

test('template strings: \\{ is a literal brace in both forms, \\} in the quoted one', () => {
  const parts = (src: string) => (stripLocations(parseQuery(`x := ${src}`)[0]) as { rhs: { parts: unknown[] } }).rhs.parts;
  assert.deepEqual(parts('$"a \\{1\\} b"'), ['a {1} b']);
  assert.deepEqual(parts('$`\\{1}`'), ['{1}']);
  const braced = parts('$`\\{{42}`');
  assert.equal(braced[0], '{');
  assert.equal(braced.length, 2);
});
