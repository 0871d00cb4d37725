// time.*: instants are int64 nanoseconds since the Unix epoch; zones are UTC, fixed offsets or
// IANA names (resolved with Intl); layouts follow Go (see time-layout.ts).
import { isNumber, num, type Value } from '../value.ts';
import { T, type Type } from '../types.ts';
import { builtinError, declare, operandTypeError, type BuiltinTable } from './builtin.ts';
import { integer, str } from './args.ts';
import { LAYOUTS, daysIn, formatCivil, goTimeQuote, parseLayout, weekdayName, type Civil } from './time-layout.ts';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const NS = 1_000_000_000n;

/** A zone: UTC or an IANA name. */
type Zone = { name: 'UTC' } | { name: string; fmt: Intl.DateTimeFormat; abbr: Intl.DateTimeFormat };

const zones = new Map<string, Zone>();

function loadZone(name: string): Zone {
  if (name === '' || name === 'UTC') return { name: 'UTC' };
  const id = name === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : name;
  let z = zones.get(id);
  if (z) return z;
  try {
    z = {
      name: id,
      fmt: new Intl.DateTimeFormat('en-US', { timeZone: id, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short' }),
      abbr: new Intl.DateTimeFormat('en-US', { timeZone: id, timeZoneName: 'short' }),
    };
  } catch {
    throw builtinError(`unknown time zone ${name}`);
  }
  if (id === 'UTC' || id === 'Etc/UTC') z = { name: 'UTC' };
  zones.set(id, z);
  return z;
}

/** Seconds east of UTC in zone z at the Unix second `sec`. */
function offsetAt(z: Zone, sec: bigint): number {
  if (!('fmt' in z)) return 0;
  // Beyond JavaScript's date range the zone's rules are those of the range's edge.
  const ms = Math.max(-8.64e15, Math.min(8.64e15, Number(sec) * 1000));
  const parts = Object.fromEntries(z.fmt.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  let y = Number(parts['year']);
  if (parts['era'] === 'BC' || parts['era'] === 'B') y = 1 - y;
  const local = daysFromCivil(y, Number(parts['month']), Number(parts['day'])) * 86400 + Number(parts['hour']) * 3600 + Number(parts['minute']) * 60 + Number(parts['second']);
  return local - Math.floor(ms / 1000);
}

function abbreviation(z: Zone, sec: bigint, offset: number): string {
  if (!('abbr' in z)) return 'UTC';
  const name = z.abbr.formatToParts(new Date(Number(sec) * 1000)).find((p) => p.type === 'timeZoneName')?.value ?? '';
  if (/^[A-Z]{3,5}$/.test(name)) return name;
  // Zones with no letters abbreviation print their offset, as tzdata names them ("+0530", "-03").
  const m = Math.abs(offset) / 60;
  const sign = offset < 0 ? '-' : '+';
  const hh = String(Math.trunc(m / 60)).padStart(2, '0');
  return m % 60 === 0 ? `${sign}${hh}` : `${sign}${hh}${String(m % 60).padStart(2, '0')}`;
}

const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [m <= 2 ? era * 400 + yoe + 1 : era * 400 + yoe, m, d];
}

/** The civil fields of instant ns in zone z. */
export function civil(ns: bigint, z: Zone): Civil {
  const sec = floorDiv(ns, NS);
  const nsec = Number(ns - sec * NS);
  const offset = offsetAt(z, sec);
  const local = sec + BigInt(offset);
  const days = Number(floorDiv(local, 86400n));
  const rem = Number(local - BigInt(days) * 86400n);
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(rem / 3600),
    min: Math.floor(rem / 60) % 60,
    sec: rem % 60,
    nsec,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
    zone: abbreviation(z, sec, offset),
  };
}

/** Go's time.Date: normalises overflowing fields, then resolves the zone offset. */
function dateToNs(y: number, mo: number, d: number, h: number, mi: number, s: number, ns: number, z: Zone): bigint {
  const m0 = mo - 1;
  const yy = y + Math.floor(m0 / 12);
  const mm = (((m0 % 12) + 12) % 12) + 1;
  let unix = (BigInt(daysFromCivil(yy, mm, 1)) + BigInt(d - 1)) * 86400n + BigInt(h) * 3600n + BigInt(mi) * 60n + BigInt(s);
  let off = offsetAt(z, unix);
  if (off !== 0) {
    const utc = unix - BigInt(off);
    const off2 = offsetAt(z, utc);
    if (off2 !== off) off = off2;
    unix -= BigInt(off);
  }
  return unix * NS + BigInt(ns);
}

/** An instant argument: ns, or [ns, zone] / [ns, zone, layout] (OPA's tzTime). */
function tzTime(v: Value): { ns: bigint; zone: Zone; layout: string } {
  let n: Value;
  let zone: Zone = { name: 'UTC' };
  let layout = '';
  if (Array.isArray(v)) {
    const a = v as readonly Value[];
    if (a.length === 0) throw operandTypeError(1, v, 'either number (ns) or [number (ns), string (tz)]');
    n = a[0]!;
    if (!isNumber(n)) throw operandTypeError(1, n, 'number');
    if (a.length > 1) zone = loadZone(str([a[1]!], 1));
    if (a.length > 2) layout = str([a[2]!], 1);
  } else if (isNumber(v)) n = v;
  else throw operandTypeError(1, v, 'either number (ns) or [number (ns), string (tz)]');
  const x = n as number | bigint;
  if (typeof x === 'number' && !Number.isInteger(x)) throw builtinError('timestamp too big');
  const big = BigInt(x);
  if (big < INT64_MIN || big > INT64_MAX) throw builtinError('timestamp too big');
  return { ns: big, zone, layout };
}

function safeNs(ns: bigint): Value {
  if (ns < INT64_MIN || ns > INT64_MAX) throw builtinError('time outside of valid range');
  return num(ns);
}

function parseNs(layout: string, value: string): Value {
  const p = parseLayout(LAYOUTS[layout] ?? layout, value);
  const base = (BigInt(daysFromCivil(p.year, p.month, p.day)) * 86400n + BigInt(p.hour * 3600 + p.min * 60 + p.sec) - BigInt(p.offset ?? 0)) * NS;
  return safeNs(base + BigInt(p.nsec));
}

const UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1000000n, s: NS, m: 60n * NS, h: 3600n * NS };

/** Go's time.ParseDuration, with its error texts. */
export function parseDuration(orig: string): bigint {
  const invalid = () => builtinError(`time: invalid duration ${goTimeQuote(orig)}`);
  let s = orig;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  const LIMIT = 1n << 63n;
  while (s !== '') {
    if (!/^[0-9.]/.test(s)) throw invalid();
    const int = /^\d*/.exec(s)![0];
    s = s.slice(int.length);
    let frac = '';
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      frac = /^\d*/.exec(s)![0];
      s = s.slice(frac.length);
      post = frac.length > 0;
    }
    if (int === '' && !post) throw invalid();
    const v0 = BigInt(int || '0');
    if (v0 > LIMIT) throw invalid();
    const unitLen = /^[^0-9.]*/.exec(s)![0].length;
    if (unitLen === 0) throw builtinError(`time: missing unit in duration ${goTimeQuote(orig)}`);
    const u = s.slice(0, unitLen);
    s = s.slice(unitLen);
    const unit = UNITS[u];
    if (unit === undefined) throw builtinError(`time: unknown unit ${goTimeQuote(u)} in duration ${goTimeQuote(orig)}`);
    if (v0 > LIMIT / unit) throw invalid();
    let v = v0 * unit;
    if (frac !== '') {
      // Go keeps at most the digits that fit in an int64, then scales in floating point.
      let f = 0n;
      let scale = 1;
      for (const c of frac) {
        if (f > LIMIT / 10n) break;
        f = f * 10n + BigInt(c);
        scale *= 10;
      }
      if (f > 0n) v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) throw invalid();
    }
    total += v;
    if (total > LIMIT) throw invalid();
  }
  if (!neg && total > LIMIT - 1n) throw invalid();
  return neg ? -total : total;
}

function diff(args: readonly Value[]): Value {
  const a = tzTime(args[0]!);
  const b = tzTime(args[1]!);
  let [t1, t2] = [a.ns, b.ns];
  if (t1 > t2) [t1, t2] = [t2, t1];
  const c1 = civil(t1, a.zone);
  const c2 = civil(t2, a.zone);
  let year = c2.year - c1.year;
  let month = c2.month - c1.month;
  let day = c2.day - c1.day;
  let hour = c2.hour - c1.hour;
  let min = c2.min - c1.min;
  let sec = c2.sec - c1.sec;
  if (sec < 0) [sec, min] = [sec + 60, min - 1];
  if (min < 0) [min, hour] = [min + 60, hour - 1];
  if (hour < 0) [hour, day] = [hour + 24, day - 1];
  if (day < 0) [day, month] = [day + daysIn(c1.month, c1.year), month - 1];
  if (month < 0) [month, year] = [month + 12, year - 1];
  return [year, month, day, hour, min, sec];
}

function addDate(args: readonly Value[]): Value {
  const t = tzTime(args[0]!);
  const years = Number(integer(args, 2));
  const months = Number(integer(args, 3));
  const days = Number(integer(args, 4));
  const c = civil(t.ns, t.zone);
  return safeNs(dateToNs(c.year + years, c.month + months, c.day + days, c.hour, c.min, c.sec, c.nsec, t.zone));
}

const instant = T.or(T.number, T.array(T.any));

/** A builtin reading the civil fields of one instant argument. */
function civilBuiltin(name: string, result: Type, f: (c: Civil) => Value) {
  return {
    name,
    category: 'time',
    args: [instant],
    result,
    impl: (args: readonly Value[]) => {
      const t = tzTime(args[0]!);
      return f(civil(t.ns, t.zone));
    },
  };
}

/** Registers the time family. */
export function register(table: BuiltinTable): void {
  const cat = 'time';
  declare(
    table,
    { name: 'time.now_ns', category: cat, args: [], result: T.number, nondeterministic: true, impl: (_args, ctx) => num(ctx.nowNs) },
    { name: 'time.parse_ns', category: cat, args: [T.string, T.string], result: T.number, impl: (args) => parseNs(str(args, 1), str(args, 2)) },
    { name: 'time.parse_rfc3339_ns', category: cat, args: [T.string], result: T.number, impl: (args) => parseNs('RFC3339', str(args, 1)) },
    { name: 'time.parse_duration_ns', category: cat, args: [T.string], result: T.number, impl: (args) => num(parseDuration(str(args, 1))) },
    {
      name: 'time.format',
      category: cat,
      args: [instant],
      result: T.string,
      impl: (args) => {
        const t = tzTime(args[0]!);
        return formatCivil(civil(t.ns, t.zone), t.layout === '' ? LAYOUTS['RFC3339Nano']! : (LAYOUTS[t.layout] ?? t.layout));
      },
    },
    civilBuiltin('time.date', T.array(T.number), (c) => [c.year, c.month, c.day]),
    civilBuiltin('time.clock', T.array(T.number), (c) => [c.hour, c.min, c.sec]),
    civilBuiltin('time.weekday', T.string, (c) => weekdayName(c.weekday)),
    { name: 'time.add_date', category: cat, args: [T.number, T.number, T.number, T.number], result: T.number, impl: addDate },
    { name: 'time.diff', category: cat, args: [instant, instant], result: T.array(T.number), impl: diff },
  );
}
