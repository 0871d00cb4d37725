// Results and errors in the shape `opa eval --format json` prints, so scripts written for OPA
// read ours unchanged.
import type { AutonomyError } from '../../common/errors.ts';
import type { Body } from './ast.ts';
import type { ResultRow } from './engine.ts';
import { toJS, type Value } from './value.ts';

/** The JSON document for a query's rows (`{}` when undefined). */
export function resultDocument(rows: readonly ResultRow[], query: string, body: Body): unknown {
  if (rows.length === 0) return {};
  const texts = expressionTexts(query, body);
  return {
    result: rows.map((r) => {
      const out: Record<string, unknown> = {
        expressions: r.expressions.map((v, i) => ({ value: toJS(v), text: texts[i]!, location: { row: body[i]!.loc.row, col: body[i]!.loc.col } })),
      };
      if (r.bindings.size > 0) out['bindings'] = Object.fromEntries([...r.bindings].map(([k, v]) => [k, toJS(v as Value)]));
      return out;
    }),
  };
}

/** The JSON document for an error. */
export function errorDocument(e: AutonomyError): unknown {
  const err: Record<string, unknown> = { code: e.code, message: e.message };
  if (e.location) err['location'] = { file: e.location.file, row: e.location.row, col: e.location.col };
  return { errors: [err] };
}

/** The source text of each expression of a query. */
function expressionTexts(query: string, body: Body): string[] {
  const lines = query.split('\n');
  const offset = (row: number, col: number): number => lines.slice(0, row - 1).reduce((n, l) => n + l.length + 1, 0) + col - 1;
  const starts = body.map((e) => offset(e.loc.row, e.loc.col));
  return starts.map((s, i) => query.slice(s, starts[i + 1] ?? query.length).trim().replace(/;$/, '').trim());
}
