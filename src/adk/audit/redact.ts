// Redaction of tool arguments before they reach the disk, per field path. The hash of the
// unredacted arguments is always recorded (args_hash), so redaction never weakens the chain.
import { AutonomyError } from '../../common/errors.ts';
import { sha256Hex } from '../../common/hash.ts';
import { canonicalJson } from './canonical.ts';

export const RedactionMode = { full: 'full', hashed: 'hashed', omitted: 'omitted' } as const;
export type RedactionMode = (typeof RedactionMode)[keyof typeof RedactionMode];

/**
 * Redaction rules: `paths` maps a dotted path into args (`*` matches any key or array index)
 * to a mode for that value and everything below it; other leaf values get `default` (full).
 */
export interface RedactionConfig {
  default?: RedactionMode;
  paths?: Record<string, RedactionMode>;
}

/** Args → redacted args. */
export type Redactor = (args: Record<string, unknown>) => Record<string, unknown>;

const MODES: ReadonlySet<string> = new Set(Object.values(RedactionMode));
const OMIT = Symbol('omit');

/** Compiles a redaction config; null when nothing is ever redacted (the fast path). */
export function compileRedaction(cfg: RedactionConfig | undefined): Redactor | null {
  const def = cfg?.default ?? 'full';
  if (!MODES.has(def)) throw new AutonomyError('wal_bad_config', `redaction default must be full, hashed or omitted, not ${JSON.stringify(def)}`);
  const rules = Object.entries(cfg?.paths ?? {}).map(([path, mode], order) => {
    if (!MODES.has(mode)) throw new AutonomyError('wal_bad_config', `redaction of ${path} must be full, hashed or omitted, not ${JSON.stringify(mode)}`);
    const segs = path.split('.');
    if (segs.some((s) => s === '')) throw new AutonomyError('wal_bad_config', `redaction path ${JSON.stringify(path)} has an empty segment`);
    return { segs, mode, wildcards: segs.filter((s) => s === '*').length, order };
  });
  // The most specific rule wins: fewer wildcards first, then declaration order.
  rules.sort((a, b) => a.wildcards - b.wildcards || a.order - b.order);
  if (def === 'full' && rules.every((r) => r.mode === 'full')) return null;

  const ruleFor = (path: readonly string[]): RedactionMode | null => {
    for (const r of rules) if (r.segs.length === path.length && r.segs.every((s, i) => s === '*' || s === path[i])) return r.mode;
    return null;
  };
  const apply = (mode: RedactionMode, v: unknown): unknown => (mode === 'full' ? v : mode === 'hashed' ? `sha256:${sha256Hex(canonicalJson(v))}` : OMIT);
  const walk = (v: unknown, path: string[]): unknown => {
    const mode = ruleFor(path);
    if (mode) return apply(mode, v);
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, String(i)])).filter((x) => x !== OMIT);
    if (typeof v === 'object' && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const r = walk(x, [...path, k]);
        if (r !== OMIT) out[k] = r;
      }
      return out;
    }
    return apply(def, v);
  };
  return (args) => walk(args, []) as Record<string, unknown>;
}
