// Running a policy's `test_*` rules the way `opa test` does: each rule is one test that passes
// when it is defined and not false; `todo_test_*` rules are skipped.
import { isAutonomyError } from '../../common/errors.ts';
import type { Module } from '../policy/ast.ts';
import type { CompiledPolicy } from '../policy/index.ts';
import type { Budget } from '../policy/index.ts';

export const TestStatus = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIPPED' } as const;
export type TestStatus = (typeof TestStatus)[keyof typeof TestStatus];

/** The outcome of one test rule. */
export interface TestResult {
  /** data.pkg.test_name */
  readonly name: string;
  readonly file: string;
  readonly status: TestStatus;
  readonly millis: number;
  /** The error, for status ERROR. */
  readonly error?: string;
}

/** The test rules of the modules, in file then source order, each once. */
export function discoverTests(modules: readonly Module[]): { name: string; file: string; query: string; skip: boolean }[] {
  const seen = new Set<string>();
  const out: { name: string; file: string; query: string; skip: boolean }[] = [];
  for (const m of modules) {
    const pkg = m.package[0] === 'data' ? m.package.slice(1) : m.package;
    for (const r of m.rules) {
      const first = r.head.ref[0];
      if (r.head.ref.length !== 1 || first?.type !== 'var' || r.head.args !== undefined) continue;
      const skip = first.name.startsWith('todo_test_');
      if (!skip && !first.name.startsWith('test_')) continue;
      const name = ['data', ...pkg, first.name].join('.');
      if (seen.has(name)) continue;
      seen.add(name);
      out.push({ name, file: m.file, query: ['data', ...[...pkg, first.name].map(quote)].join(''), skip });
    }
  }
  return out;
}

function quote(seg: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
}

/** Runs every test rule; evaluation errors are ERROR results, never exceptions. */
export function runTests(policy: CompiledPolicy, modules: readonly Module[], budget: Budget = { maxMillis: 5000 }): TestResult[] {
  const results: TestResult[] = [];
  for (const t of discoverTests(modules)) {
    if (t.skip) {
      results.push({ name: t.name, file: t.file, status: TestStatus.skip, millis: 0 });
      continue;
    }
    const start = performance.now();
    try {
      const v = policy.evalRule(t.query, undefined, { budget, strictBuiltinErrors: false });
      const status = v === undefined || v === false ? TestStatus.fail : TestStatus.pass;
      results.push({ name: t.name, file: t.file, status, millis: performance.now() - start });
    } catch (e) {
      if (!isAutonomyError(e)) throw e;
      results.push({ name: t.name, file: t.file, status: TestStatus.error, millis: performance.now() - start, error: e.toString() });
    }
  }
  return results;
}

/** Counts by status. */
export function summarise(results: readonly TestResult[]): Record<TestStatus, number> {
  const s: Record<TestStatus, number> = { PASS: 0, FAIL: 0, ERROR: 0, SKIPPED: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/** `opa test`-style report: failures (or everything when verbose), a rule, then the summary. */
export function formatReport(results: readonly TestResult[], verbose: boolean): string {
  const lines: string[] = [];
  let file: string | undefined;
  for (const r of results) {
    if (!verbose && (r.status === TestStatus.pass || r.status === TestStatus.skip)) continue;
    if (r.file !== file) {
      if (file !== undefined) lines.push('');
      lines.push(`${r.file}:`);
      file = r.file;
    }
    lines.push(`${r.name}: ${r.status} (${formatMillis(r.millis)})${r.error ? `\n  ${r.error}` : ''}`);
  }
  const s = summarise(results);
  const total = results.length;
  if (lines.length > 0) lines.push('-'.repeat(80));
  if (total === 0) lines.push('no tests found');
  for (const k of [TestStatus.pass, TestStatus.fail, TestStatus.skip, TestStatus.error]) if (s[k] > 0) lines.push(`${k}: ${s[k]}/${total}`);
  return `${lines.join('\n')}\n`;
}

function formatMillis(ms: number): string {
  return ms < 1 ? `${Math.round(ms * 1000)}µs` : `${ms.toFixed(1)}ms`;
}
