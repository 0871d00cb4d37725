// Loads policy files and data documents the way `opa eval -d` does: .rego files are modules;
// a .json/.yaml file named directly is merged at the root of data; inside a directory, data
// files are placed at their directory's path (as in bundles).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import YAML from 'yaml';
import { AutonomyError } from '../../common/errors.ts';
import type { PolicySource } from './engine.ts';
import { fromJS, ObjectValue, parseJSON, type Value } from './value.ts';

export interface Loaded {
  readonly sources: PolicySource[];
  readonly data: ObjectValue;
}

/** Loads every path (file or directory). */
export function loadPaths(paths: readonly string[]): Loaded {
  const sources: PolicySource[] = [];
  const data = new ObjectValue();
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new AutonomyError('load_error', `${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      for (const file of walk(p)) loadFile(file, relative(p, file).split(sep).slice(0, -1), sources, data);
    } else loadFile(p, [], sources, data);
  }
  return { sources, data };
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (/\.(rego|json|ya?ml)$/.test(e.name)) yield p;
  }
}

function loadFile(file: string, at: readonly string[], sources: PolicySource[], data: ObjectValue): void {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.rego')) {
    sources.push({ file, text });
    return;
  }
  const doc = parseDocument(text, file);
  if (!(doc instanceof ObjectValue) && at.length === 0) throw new AutonomyError('load_error', `${file}: a data file must hold an object`);
  mergeAt(data, at, doc, file);
}

/** Parses a JSON or YAML document (by extension) into a value. */
export function parseDocument(text: string, file: string): Value {
  try {
    if (/\.ya?ml$/.test(file)) return fromJS(YAML.parse(text) ?? {});
    return parseJSON(text);
  } catch (e) {
    throw new AutonomyError('load_error', `${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function mergeAt(target: ObjectValue, path: readonly string[], doc: Value, file: string): void {
  let node = target;
  for (const key of path) {
    let next = node.get(key);
    if (next === undefined) {
      next = new ObjectValue();
      node.set(key, next);
    }
    if (!(next instanceof ObjectValue)) throw new AutonomyError('load_error', `${file}: data at ${path.join('.')} conflicts with another file`);
    node = next;
  }
  if (!(doc instanceof ObjectValue)) {
    throw new AutonomyError('load_error', `${file}: a data file must hold an object`);
  }
  for (const [k, v] of doc.entries()) {
    const existing = node.get(k);
    if (existing instanceof ObjectValue && v instanceof ObjectValue) mergeAt(node, [k as string], v, file);
    else if (existing !== undefined) throw new AutonomyError('load_error', `${file}: data key ${String(k)} is defined twice`);
    else node.set(k, v);
  }
}
