// The work behind `autonomy eval`: load, compile, evaluate, print in OPA's shape.
import { readFileSync } from 'node:fs';
import { AutonomyError, formatLocation } from '../../common/errors.ts';
import { compile } from './engine.ts';
import { loadPaths, parseDocument } from './loader.ts';
import { errorDocument, resultDocument } from './opa-output.ts';
import { parseQuery } from './parser.ts';
import { toJSON, type Value } from './value.ts';

export interface EvalCommand {
  query: string;
  data: string[];
  input?: string | undefined;
  inputTerm?: string | undefined;
  strictBuiltinErrors: boolean;
  format: string;
}

/** Runs the command; returns false when it printed an error (exit 1). */
export function runEval(cmd: EvalCommand): boolean {
  if (cmd.format !== 'json' && cmd.format !== 'pretty') throw new AutonomyError('usage_error', `unknown format ${cmd.format}: use json or pretty`);
  if (cmd.input !== undefined && cmd.inputTerm !== undefined) throw new AutonomyError('usage_error', 'give either --input or --input-term, not both');
  const loaded = loadPaths(cmd.data);
  let input: Value | undefined;
  if (cmd.input !== undefined) {
    let text: string;
    try {
      text = readFileSync(cmd.input, 'utf8');
    } catch {
      throw new AutonomyError('load_error', `${cmd.input}: cannot read input file`);
    }
    input = parseDocument(text, cmd.input);
  }
  try {
    const policy = compile(loaded.sources, loaded.data);
    if (cmd.inputTerm !== undefined) {
      const rows = compile([]).eval(`__input := ${cmd.inputTerm}`);
      if (rows.length !== 1) throw new AutonomyError('rego_parse_error', 'input term must be a ground term');
      input = rows[0]!.bindings.get('__input');
    }
    const body = parseQuery(cmd.query);
    const rows = policy.eval(cmd.query, {
      ...(input !== undefined ? { input } : {}),
      strictBuiltinErrors: cmd.strictBuiltinErrors,
      print: (l) => process.stderr.write(`${l}\n`),
      // Like `opa eval`, opa.runtime().env is this process's environment.
      env: processEnv(),
    });
    const doc = resultDocument(rows, cmd.query, body);
    if (cmd.format === 'json') process.stdout.write(`${JSON.stringify(doc, bigintAware, 2)}\n`);
    else printPretty(rows.map((r) => ({ expressions: r.expressions, bindings: r.bindings })));
    return true;
  } catch (e) {
    if (!(e instanceof AutonomyError) || !isPolicyError(e.code)) throw e;
    if (cmd.format === 'json') process.stdout.write(`${JSON.stringify(errorDocument(e), null, 2)}\n`);
    else process.stderr.write(`${e.location ? formatLocation(e.location) + ': ' : ''}${e.code}: ${e.message}\n`);
    return false;
  }
}

function processEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return out;
}

function isPolicyError(code: string): boolean {
  return code.startsWith('rego_') || code.startsWith('eval_');
}

// JSON.rawJSON (Node ≥ 21) prints big integers exactly; TypeScript's lib does not declare it yet.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

function bigintAware(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? rawJSON(v.toString()) : v;
}

function printPretty(rows: { expressions: readonly Value[]; bindings: ReadonlyMap<string, Value> }[]): void {
  if (rows.length === 0) {
    process.stdout.write('undefined\n');
    return;
  }
  for (const r of rows) {
    if (r.bindings.size > 0) for (const [k, v] of r.bindings) process.stdout.write(`${k}: ${toJSON(v, 2)}\n`);
    else for (const v of r.expressions) process.stdout.write(`${toJSON(v, 2)}\n`);
  }
}
