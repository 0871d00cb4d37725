// fast-check generators of Rego source text, for property tests.
import fc from 'fast-check';

const varName = fc.constantFrom('x', 'y', 'z', 'a', 'b', '_');
const ruleName = fc.constantFrom('p', 'q', 'r', 's');
const scalar = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((d) => (Number.isInteger(d) ? `${d}.5` : String(d))).filter((s) => !s.includes('e')),
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null'),
);

/** A Rego term as text. */
export const term: fc.Arbitrary<string> = fc.letrec<{ term: string }>((tie) => ({
  term: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    varName,
    fc.constantFrom('input.a', 'input.b[0]', 'data.d.xs[_]', 'input.a[x]'),
    fc.array(tie('term'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
    fc.array(tie('term'), { minLength: 1, maxLength: 3 }).map((xs) => `{${xs.join(', ')}}`),
    fc.array(fc.tuple(scalar, tie('term')), { maxLength: 3 }).map((es) => `{${es.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
    fc.tuple(tie('term'), fc.constantFrom('+', '-', '*', '==', '!=', '<', '|', '&'), tie('term')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom('count', 'is_string', 'abs', 'sort'), tie('term')).map(([f, a]) => `${f}(${a})`),
    fc.tuple(tie('term'), varName).map(([t, v]) => `[${v} | ${v} := ${t}]`),
    fc.tuple(tie('term'), tie('term')).map(([a, b]) => `(${a} in ${b})`),
    fc.tuple(tie('term'), tie('term'), tie('term')).map(([k, v, c]) => `(${k}, ${v} in ${c})`),
  ),
})).term;

/** A literal (body expression) as text. */
export const literal: fc.Arbitrary<string> = fc.oneof(
  term,
  fc.tuple(varName.filter((v) => v !== '_'), term).map(([v, t]) => `${v} := ${t}`),
  fc.tuple(term, term).map(([a, b]) => `${a} = ${b}`),
  fc.tuple(varName.filter((v) => v !== '_'), term).map(([v, t]) => `some ${v} in ${t}`),
  term.map((t) => `not ${t}`),
  fc.tuple(varName.filter((v) => v !== '_'), term, term).map(([v, d, b]) => `every ${v} in ${d} { ${b} }`),
);

/** A module with a few rules as text. */
export const module: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(ruleName, fc.constantFrom('', ' := 1', ' contains x', '[x] := y'), fc.array(literal, { minLength: 1, maxLength: 4 })).map(
      ([name, head, body]) => `${name}${head} if {\n\t${body.join('\n\t')}\n}`,
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((rules) => `package t\n\n${rules.join('\n\n')}\n`);
