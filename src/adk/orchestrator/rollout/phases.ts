// Phase specs (`1,10%,50%,100%`) and durations (`90s`, `5m`): parsing, and how many nodes each
// phase covers.
import { AutonomyError } from '../../../common/errors.ts';
import type { PhaseSpec } from '../types.ts';

/** Parses `1,10%,50%,100%`: counts or percentages, non-decreasing, the last covering every node. */
export function parsePhases(text: string): PhaseSpec[] {
  const parts = text.split(',').map((s) => s.trim());
  const phases = parts.map((p): PhaseSpec => {
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(p);
    if (pct) {
      const percent = Number(pct[1]);
      if (percent <= 0 || percent > 100) throw new AutonomyError('bad_phases', `phase ${JSON.stringify(p)}: a percentage must be in (0, 100]`);
      return { percent };
    }
    if (/^[1-9]\d*$/.test(p)) return { count: Number(p) };
    throw new AutonomyError('bad_phases', `phase ${JSON.stringify(p)} is neither a node count nor a percentage`);
  });
  if (phases.length === 0 || phases.at(-1)!.percent !== 100) throw new AutonomyError('bad_phases', `the last phase must be 100% (got ${JSON.stringify(text)})`);
  return phases;
}

/** Validates phases received as JSON (the API's form). */
export function checkPhases(v: unknown): PhaseSpec[] {
  if (typeof v === 'string') return parsePhases(v);
  if (!Array.isArray(v)) throw new AutonomyError('bad_phases', 'phases must be a string such as "1,10%,100%"');
  return parsePhases(v.map((p: PhaseSpec) => (p.percent !== undefined ? `${p.percent}%` : String(p.count))).join(','));
}

/** The cumulative number of nodes reached at the end of each phase, out of n. */
export function phaseEnds(phases: readonly PhaseSpec[], n: number): number[] {
  let reached = 0;
  return phases.map((p) => {
    const want = p.percent !== undefined ? Math.ceil((p.percent * n) / 100) : p.count!;
    reached = Math.min(n, Math.max(reached, want));
    return reached;
  });
}

