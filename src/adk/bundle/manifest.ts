// The bundle manifest (`.manifest`, OPA's format): revision, roots, metadata. Our entrypoint is
// `metadata.entrypoint`; the anti-downgrade order reads `metadata.sequence`.
import { AutonomyError } from '../../common/errors.ts';
import { RawNumber } from './hashing.ts';

export const MANIFEST_FILE = '.manifest';
export const DEFAULT_ENTRYPOINT = 'data.autonomy.authz';

/** A validated manifest. */
export interface Manifest {
  readonly revision: string;
  /** Normalised roots (no leading or trailing '/'); [''] claims all of data. */
  readonly roots: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The policy document the runtime evaluates, e.g. data.autonomy.authz. */
  readonly entrypoint: string;
  /** metadata.sequence, when present: the primary anti-downgrade key. */
  readonly sequence: number | undefined;
}

/** Validates a parsed `.manifest` (or the defaults when the bundle has none). */
export function parseManifest(doc: unknown): Manifest {
  if (doc === undefined) return { revision: '', roots: [''], metadata: {}, entrypoint: DEFAULT_ENTRYPOINT, sequence: undefined };
  const bad = (why: string): AutonomyError => new AutonomyError('bundle_manifest_invalid', `${MANIFEST_FILE}: ${why}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('must be a JSON object');
  const m = doc as Record<string, unknown>;
  const revision = m['revision'] ?? '';
  if (typeof revision !== 'string') throw bad('revision must be a string');
  const rawRoots = m['roots'] ?? [''];
  if (!Array.isArray(rawRoots) || rawRoots.some((r) => typeof r !== 'string')) throw bad('roots must be an array of strings');
  const roots = (rawRoots as string[]).map((r) => r.replace(/^\/+|\/+$/g, ''));
  for (let i = 0; i < roots.length; i++) {
    for (let j = i + 1; j < roots.length; j++) {
      if (rootsOverlap(roots[i]!, roots[j]!)) throw new AutonomyError('bundle_roots_overlap', `${MANIFEST_FILE}: roots ${JSON.stringify(roots[i])} and ${JSON.stringify(roots[j])} overlap`);
    }
  }
  const metadata = m['metadata'] ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw bad('metadata must be an object');
  const md = metadata as Record<string, unknown>;
  const entrypoint = md['entrypoint'] ?? DEFAULT_ENTRYPOINT;
  if (typeof entrypoint !== 'string' || !/^data(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(entrypoint)) throw bad('metadata.entrypoint must be a reference like data.autonomy.authz');
  let sequence: number | undefined;
  const seq = md['sequence'] instanceof RawNumber ? Number(md['sequence'].text) : md['sequence'];
  if (seq !== undefined) {
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw bad('metadata.sequence must be a non-negative integer');
    sequence = seq;
  }
  const rv = m['rego_version'] instanceof RawNumber ? Number(m['rego_version'].text) : m['rego_version'];
  if (rv !== undefined && rv !== 1) throw bad('only rego_version 1 (Rego v1) is supported');
  return { revision, roots, metadata: md, entrypoint, sequence };
}

/** True when one root is a path prefix of the other (OPA's RootPathsOverlap). */
export function rootsOverlap(a: string, b: string): boolean {
  return rootContains(a, b) || rootContains(b, a);
}

/** True when path lies under root ('' contains everything). */
export function rootContains(root: string, path: string): boolean {
  if (root === '') return true;
  const r = root.split('/');
  const p = path.split('/');
  if (r.length > p.length) return false;
  return r.every((seg, i) => seg === p[i]);
}

/** The anti-downgrade ordering: how a candidate compares with the active bundle. */
export type Ordering = (candidate: Manifest, active: Manifest) => number;

/** Built-in orderings, by name. */
export const ORDERINGS = {
  /** metadata.sequence when both have one, then the revision string (the default). */
  'sequence-revision': (a: Manifest, b: Manifest): number => {
    if (a.sequence !== undefined && b.sequence !== undefined && a.sequence !== b.sequence) return a.sequence - b.sequence;
    return compareCodePoints(a.revision, b.revision);
  },
  /** The revision string alone. */
  revision: (a: Manifest, b: Manifest): number => compareCodePoints(a.revision, b.revision),
  /** No ordering: any signed bundle may replace any other. */
  none: (): number => 0,
} as const satisfies Record<string, Ordering>;
export type OrderingName = keyof typeof ORDERINGS;

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
