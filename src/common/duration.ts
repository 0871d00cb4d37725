// Durations as every program's flags and config files spell them: 250ms, 1.5s, 5m, 2h, 7d.
import { AutonomyError } from './errors.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in `text` (a bare whole number is milliseconds), or undefined when it is not a duration. */
export function durationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m || (m[2] === undefined && m[1]!.includes('.'))) return undefined;
  const ms = Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']!);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Milliseconds in a flag's value; throws AutonomyError(`code`) naming the flag. */
export function parseDuration(text: string, flag = 'duration', code = 'bad_duration'): number {
  const ms = durationMs(text);
  if (ms === undefined) throw new AutonomyError(code, `${flag}: ${JSON.stringify(text)} is not a duration such as 500ms, 90s, 5m, 24h or 7d`);
  return ms;
}
