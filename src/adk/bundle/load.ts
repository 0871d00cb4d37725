// Turning a bundle's files into a compiled policy: the manifest, the modules, the data documents
// placed by directory path, the roots check, then compile.
import { AutonomyError } from '../../common/errors.ts';
import { compile, type CompiledPolicy, type PolicySource } from '../policy/index.ts';
import { parseModule } from '../policy/parser.ts';
import { ObjectValue, type Value } from '../policy/value.ts';
import type { Module } from '../policy/ast.ts';
import type { BundleFiles } from './archive.ts';
import { decodeStructured, type Decoded } from './hashing.ts';
import { MANIFEST_FILE, parseManifest, rootContains, type Manifest } from './manifest.ts';

/** A bundle's content, ready to compile. */
export interface LoadedBundle {
  readonly manifest: Manifest;
  readonly sources: PolicySource[];
  readonly modules: Module[];
  readonly data: ObjectValue;
}

const DATA_FILE = /(^|\/)data\.(json|ya?ml)$/;

/** Parses the manifest, modules and data; checks every module and datum lies within the roots. */
export function loadBundle(files: BundleFiles, decoded: ReadonlyMap<string, Decoded> = new Map()): LoadedBundle {
  const structured = (name: string): Decoded => decoded.get(name) ?? decodeStructured(name, files.get(name)!);
  const manifest = parseManifest(files.has(MANIFEST_FILE) ? structured(MANIFEST_FILE).doc : undefined);
  const sources: PolicySource[] = [];
  const modules: Module[] = [];
  const data = new ObjectValue();
  for (const name of [...files.keys()].sort()) {
    if (name.endsWith('.rego')) {
      const text = files.get(name)!.toString('utf8');
      const mod = parseModule(text, name);
      const pkg = (mod.package[0] === 'data' ? mod.package.slice(1) : mod.package).join('/');
      if (!manifest.roots.some((r) => rootContains(r, pkg))) {
        throw new AutonomyError('bundle_outside_roots', `${name}: package ${mod.package.join('.')} is outside the manifest roots ${JSON.stringify(manifest.roots)}`);
      }
      sources.push({ file: name, text });
      modules.push(mod);
    } else if (DATA_FILE.test(name)) {
      const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/')).split('/') : [];
      const doc = structured(name).value ?? new ObjectValue();
      checkDataRoots(manifest.roots, dir, doc, name);
      placeAt(data, dir, doc, name);
    }
  }
  return { manifest, sources, modules, data };
}

/** Compiles a loaded bundle; rego_* errors carry file:row:col. */
export function compileBundle(b: LoadedBundle): CompiledPolicy {
  // Modules are already parsed; compile() parses again from text, which keeps one code path.
  return compile(b.sources, b.data);
}

function checkDataRoots(roots: readonly string[], dir: readonly string[], doc: Value, name: string): void {
  const path = dir.join('/');
  if (roots.some((r) => rootContains(r, path))) return;
  // A document above the roots is fine only if every key it sets leads into a root.
  if (!(doc instanceof ObjectValue) || !roots.some((r) => rootContains(path, r))) {
    throw new AutonomyError('bundle_outside_roots', `${name}: data at /${path} is outside the manifest roots ${JSON.stringify(roots)}`);
  }
  for (const [k, v] of doc.entries()) checkDataRoots(roots, [...dir, String(k)], v, name);
}

function placeAt(target: ObjectValue, path: readonly string[], doc: Value, file: string): void {
  if (path.length === 0) {
    if (!(doc instanceof ObjectValue)) throw new AutonomyError('bundle_data_invalid', `${file}: data at the bundle root must be an object`);
    merge(target, doc, file);
    return;
  }
  let node = target;
  for (const key of path.slice(0, -1)) {
    let next = node.get(key);
    if (next === undefined) node.set(key, (next = new ObjectValue()));
    if (!(next instanceof ObjectValue)) throw new AutonomyError('bundle_data_invalid', `${file}: data at ${path.join('/')} conflicts with another file`);
    node = next;
  }
  const last = path[path.length - 1]!;
  const existing = node.get(last);
  if (existing === undefined) node.set(last, doc);
  else if (existing instanceof ObjectValue && doc instanceof ObjectValue) merge(existing, doc, file);
  else throw new AutonomyError('bundle_data_invalid', `${file}: data at ${path.join('/')} conflicts with another file`);
}

function merge(into: ObjectValue, doc: ObjectValue, file: string): void {
  for (const [k, v] of doc.entries()) {
    const existing = into.get(k);
    if (existing === undefined) into.set(k, v);
    else if (existing instanceof ObjectValue && v instanceof ObjectValue) merge(existing, v, file);
    else throw new AutonomyError('bundle_data_invalid', `${file}: data key ${String(k)} is defined twice`);
  }
}
