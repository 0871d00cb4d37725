// METADATA annotations: a `# METADATA` comment block of YAML just before a package or a rule,
// normalised the way OPA presents it to rego.metadata.* (authors as {name, email}, related
// resources as {ref, description}, a default scope).
import YAML from 'yaml';
import type { Comment } from './lexer.ts';
import { parseError } from './lexer.ts';

/** Normalised annotations, as plain JSON-like data. */
export type Annotations = Record<string, unknown>;

/** A METADATA block and the row right after its last line. */
export interface AnnotationBlock {
  readonly endRow: number;
  readonly row: number;
  readonly data: Record<string, unknown>;
}

/** Finds every METADATA block among a module's comments. */
export function annotationBlocks(comments: readonly Comment[], file: string): AnnotationBlock[] {
  const blocks: AnnotationBlock[] = [];
  for (let i = 0; i < comments.length; i++) {
    const c = comments[i]!;
    if (c.text.trim() !== 'METADATA') continue;
    const lines: string[] = [];
    let row = c.row;
    let j = i + 1;
    for (; j < comments.length && comments[j]!.row === row + 1; j++) {
      row = comments[j]!.row;
      lines.push(comments[j]!.text.replace(/^ /, ''));
    }
    i = j - 1;
    let data: unknown;
    try {
      data = YAML.parse(lines.join('\n')) ?? {};
    } catch (e) {
      throw parseError(`invalid METADATA block: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, { file, row: c.row, col: c.col });
    }
    if (typeof data !== 'object' || Array.isArray(data) || data === null) throw parseError('invalid METADATA block: expected a YAML mapping', { file, row: c.row, col: c.col });
    blocks.push({ row: c.row, endRow: row, data: data as Record<string, unknown> });
  }
  return blocks;
}

/** OPA's normal form of an annotation block, with the scope defaulted. */
export function normalise(data: Record<string, unknown>, defaultScope: 'package' | 'rule'): Annotations {
  const out: Annotations = { scope: typeof data['scope'] === 'string' ? data['scope'] : defaultScope };
  for (const [k, v] of Object.entries(data)) {
    if (k === 'scope') continue;
    if (k === 'authors' && Array.isArray(v)) out[k] = v.map(author);
    else if (k === 'related_resources' && Array.isArray(v)) out[k] = v.map((r) => (typeof r === 'string' ? { ref: r } : r));
    else out[k] = v;
  }
  return out;
}

/** "Name <email>" or {name, email} → {name, email}. */
function author(a: unknown): unknown {
  if (typeof a !== 'string') return a;
  const m = /^(.*?)\s*<([^>]*)>\s*$/.exec(a.trim());
  if (!m) return { name: a.trim() };
  const out: Record<string, string> = { email: m[2]! };
  if (m[1]) out['name'] = m[1];
  return out;
}
