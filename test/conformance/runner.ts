// Runs OPA conformance cases (OPA's YAML format) through the engine with OPA's pass rule:
// /work/shared/conformance/README.md. A case that crashes the engine fails with its reason.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { AutonomyError } from '../../src/common/errors.ts';
import { compile, type ResultRow } from '../../src/adk/policy/index.ts';
import { parseTerm } from '../../src/adk/policy/parser.ts';
import { compare, equal, formatValue, fromJS, makeObject, makeSet, parseJSON, toJS, type Value } from '../../src/adk/policy/value.ts';

export interface ConformanceCase {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_error_code?: string;
  want_error?: string;
  strict_error?: boolean;
  sort_bindings?: boolean;
  ignore_generated_vars?: boolean;
  env?: Record<string, string>;
}

export interface CaseOutcome {
  /** `file :: note` (with `#n` for a note repeated in one file): notes alone are not unique. */
  id: string;
  file: string;
  note: string;
  status: 'passed' | 'failed' | 'skipped';
  reason: string;
}

/** Every *.yaml file below dir, sorted. */
export function caseFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...caseFiles(p));
    else if (e.endsWith('.yaml') || e.endsWith('.yml')) out.push(p);
  }
  return out;
}

/** Loads the cases of one file. */
export function loadCases(file: string): ConformanceCase[] {
  const doc = YAML.parse(readFileSync(file, 'utf8'), { intAsBigInt: true }) as { cases?: ConformanceCase[] } | null;
  return doc?.cases ?? [];
}

const NETWORK = /\b(http\.send|net\.lookup_ip_addr)\b/;

/** How a case is evaluated: in this process, or by `autonomy eval` in a child process. */
export type Mode = 'in-process' | 'process';

/** Runs one case and says whether it passed, with the reason if not. */
export function runCase(c: ConformanceCase, file: string, mode: Mode = 'in-process'): CaseOutcome {
  if (mode === 'process') return runCaseViaCli(c, file);
  const base = { id: `${file} :: ${c.note}`, file, note: c.note };
  const texts = [...(c.modules ?? []), c.query];
  if (texts.some((t) => NETWORK.test(t))) return { ...base, status: 'skipped', reason: 'calls a network builtin (disabled without an allow-list)' };
  if (c.want_result === undefined && c.want_error_code === undefined && c.want_error === undefined) {
    return { ...base, status: 'failed', reason: 'malformed case: no want_result, want_error_code or want_error' };
  }
  let rows: ResultRow[] | undefined;
  let error: unknown;
  try {
    const policy = compile((c.modules ?? []).map((text, i) => ({ file: `test-${i}.rego`, text })), c.data ?? {});
    const input = c.input_term !== undefined ? termValue(c.input_term) : c.input;
    rows = policy.eval(c.query, {
      ...(input !== undefined ? { input } : {}),
      strictBuiltinErrors: c.strict_error === true,
      ...(c.env ? { env: c.env } : {}),
      budget: { maxMillis: 10_000 },
    });
  } catch (e) {
    error = e;
  }
  if (c.want_error_code !== undefined || c.want_error !== undefined) {
    if (error === undefined) return { ...base, status: 'failed', reason: `expected error ${c.want_error_code ?? ''} ${c.want_error ?? ''}, got ${rows!.length} result row(s)` };
    const code = error instanceof AutonomyError ? error.code : 'internal';
    // OPA prints errors as `file:row: code: message`; messages are matched against that form.
    const text = error instanceof AutonomyError ? `${error.location ? `${error.location.file}:${error.location.row}: ` : ''}${error.code}: ${error.message}` : String(error);
    if (c.want_error_code !== undefined && code !== c.want_error_code) return { ...base, status: 'failed', reason: `expected error code ${c.want_error_code}, got ${text}` };
    if (c.want_error !== undefined && !text.includes(c.want_error)) return { ...base, status: 'failed', reason: `expected error containing ${JSON.stringify(c.want_error)}, got ${text}` };
    return { ...base, status: 'passed', reason: '' };
  }
  if (error !== undefined) {
    const text = error instanceof AutonomyError ? error.toString() : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ...base, status: 'failed', reason: `unexpected error: ${text}` };
  }
  const got = rowSet(rows!.map((r) => bindingsOf(r, c)), c);
  const want = rowSet((c.want_result ?? []).map((r) => new Map(Object.entries(r).map(([k, v]) => [k, fromJS(v)] as const))), c);
  if (equal(got, want)) return { ...base, status: 'passed', reason: '' };
  return { ...base, status: 'failed', reason: `result mismatch: got ${formatValue(got)}, want ${formatValue(want)}` };
}

/** A row's bindings as OPA's runner sees them: after a JSON round trip (sets become arrays). */
function bindingsOf(r: ResultRow, c: ConformanceCase): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const [k, v] of r.bindings) if (!(c.ignore_generated_vars && k.startsWith('__'))) out.set(k, fromJS(toJS(v)));
  return out;
}

function rowSet(rows: Map<string, Value>[], c: ConformanceCase): Value {
  return makeSet(
    rows.map((row) =>
      makeObject(
        [...row].map(([k, v]) => {
          if (c.sort_bindings && Array.isArray(v)) return [k, [...(v as Value[])].sort(compare)] as const;
          return [k, v] as const;
        }),
      ),
    ),
  );
}

/** The value of an input written as a Rego term (constants, composites and sets only). */
function termValue(text: string): Value {
  parseTerm(text, 'input_term');
  const rows = compile([]).eval(`__input_term := ${text}`);
  if (rows.length !== 1) throw new AutonomyError('rego_parse_error', 'input_term is not a ground term');
  return rows[0]!.bindings.get('__input_term')!;
}

const BIN = new URL('../../bin/autonomy.js', import.meta.url).pathname;

/**
 * Runs one case the way the engine is judged: modules, data and input written to files, then
 * `autonomy eval … -f json QUERY` in a child process, its JSON output compared by OPA's rule.
 */
function runCaseViaCli(c: ConformanceCase, file: string): CaseOutcome {
  const base = { id: `${file} :: ${c.note}`, file, note: c.note };
  const texts = [...(c.modules ?? []), c.query];
  if (texts.some((t) => NETWORK.test(t))) return { ...base, status: 'skipped', reason: 'calls a network builtin (disabled without an allow-list)' };
  const dir = mkdtempSync(join(tmpdir(), 'case-'));
  try {
    const args = ['eval', '-f', 'json'];
    (c.modules ?? []).forEach((m, i) => {
      writeFileSync(join(dir, `test-${i}.rego`), m);
      args.push('-d', join(dir, `test-${i}.rego`));
    });
    if (c.data !== undefined && c.data !== null) {
      writeFileSync(join(dir, 'data.json'), JSON.stringify(c.data, bigintJSON));
      args.push('-d', join(dir, 'data.json'));
    }
    if (c.input_term !== undefined) args.push('--input-term', c.input_term);
    else if (c.input !== undefined) {
      writeFileSync(join(dir, 'input.json'), JSON.stringify(c.input, bigintJSON));
      args.push('-i', join(dir, 'input.json'));
    }
    if (c.strict_error) args.push('--strict-builtin-errors');
    args.push(c.query);
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...(c.env ?? {}) }, timeout: 30_000 });
    let out: { result?: { bindings?: Record<string, unknown> }[]; errors?: { code: string; message: string; location?: { file: string; row: number } }[] };
    try {
      // Big integers must survive the round trip: parse with the engine's exact JSON reader.
      out = toJS(parseJSON(r.stdout)) as typeof out;
    } catch {
      return { ...base, status: 'failed', reason: `autonomy eval exited ${r.status} without JSON: ${r.stderr.slice(0, 300)}` };
    }
    if (c.want_error_code !== undefined || c.want_error !== undefined) {
      const e = out.errors?.[0];
      if (!e) return { ...base, status: 'failed', reason: 'expected an error, got a result' };
      const text = `${e.location ? `${basename(e.location.file)}:${e.location.row}: ` : ''}${e.code}: ${e.message}`;
      if (c.want_error_code !== undefined && e.code !== c.want_error_code) return { ...base, status: 'failed', reason: `expected error code ${c.want_error_code}, got ${text}` };
      if (c.want_error !== undefined && !text.includes(c.want_error)) return { ...base, status: 'failed', reason: `expected error containing ${JSON.stringify(c.want_error)}, got ${text}` };
      return { ...base, status: 'passed', reason: '' };
    }
    if (out.errors) return { ...base, status: 'failed', reason: `unexpected error: ${out.errors[0]!.code}: ${out.errors[0]!.message}` };
    const rows = (out.result ?? []).map((row) => new Map(Object.entries(row.bindings ?? {}).filter(([k]) => !(c.ignore_generated_vars && k.startsWith('__'))).map(([k, v]) => [k, fromJS(v)] as const)));
    const got = rowSet(rows, c);
    const want = rowSet((c.want_result ?? []).map((r) => new Map(Object.entries(r).map(([k, v]) => [k, fromJS(v)] as const))), c);
    return equal(got, want) ? { ...base, status: 'passed', reason: '' } : { ...base, status: 'failed', reason: `result mismatch: got ${formatValue(got)}, want ${formatValue(want)}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function bigintJSON(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? (JSON as unknown as { rawJSON(t: string): unknown }).rawJSON(v.toString()) : v;
}

/** Runs every case below dir whose note or file contains filter. */
export function runAll(dir: string, filter?: string, mode: Mode = 'in-process'): CaseOutcome[] {
  const out: CaseOutcome[] = [];
  for (const file of caseFiles(dir)) {
    const rel = relative(dir, file);
    const seen = new Map<string, number>();
    for (const c of loadCases(file)) {
      const n = (seen.get(c.note) ?? 0) + 1;
      seen.set(c.note, n);
      if (filter && !c.note.includes(filter) && !rel.includes(filter)) continue;
      let o: CaseOutcome;
      try {
        o = runCase(c, rel, mode);
      } catch (e) {
        o = { id: '', file: rel, note: c.note, status: 'failed', reason: `runner crash: ${e instanceof Error ? e.message : String(e)}` };
      }
      out.push({ ...o, id: `${rel} :: ${c.note}${n > 1 ? ` #${n}` : ''}` });
    }
  }
  return out;
}

/** The ratchet: notes of the cases that must keep passing. */
export const BASELINE = new URL('./baseline.json', import.meta.url).pathname;

/** The notes listed in the baseline (none if it does not exist yet). */
export function readBaseline(): string[] {
  try {
    return JSON.parse(readFileSync(BASELINE, 'utf8')) as string[];
  } catch {
    return [];
  }
}

/** The default case folder: ../shared/conformance/cases beside the repository. */
export const DEFAULT_CASES = new URL('../../../shared/conformance/cases', import.meta.url).pathname;

/** The topic of a case: the first folder of its file. */
export function topicOf(o: CaseOutcome): string {
  return o.file.split('/')[0] ?? o.file;
}
