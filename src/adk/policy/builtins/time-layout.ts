// Go's reference-time layouts ("2006-01-02T15:04:05Z07:00"): splitting a layout into
// elements, formatting civil fields with it, and parsing with time.Parse's rules and errors.
import { builtinError } from './builtin.ts';

/** Date and clock fields. */
export interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
}

/** Broken-down time as Go's Time exposes it. */
export interface Civil extends Fields {
  weekday: number;
  yday: number;
  /** Seconds east of UTC. */
  offset: number;
  /** Zone abbreviation ("" for none). */
  zone: string;
}

export const LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const weekdayName = (d: number): string => LONG_DAYS[d]!;

/** A layout element: a literal, or a std code (with digit count / separator for fractions). */
type Chunk = { lit: string } | { std: string; digits?: number; sep?: string; text: string };

const lower = (c: string | undefined) => c !== undefined && c >= 'a' && c <= 'z';
const digit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Go's nextStdChunk, applied to the whole layout. */
export function chunks(layout: string): Chunk[] {
  const out: Chunk[] = [];
  let lit = '';
  let i = 0;
  const push = (std: string, len: number, extra: Partial<{ digits: number; sep: string }> = {}) => {
    if (lit) out.push({ lit });
    lit = '';
    out.push({ std, text: layout.slice(i, i + len), ...extra });
    i += len;
  };
  const at = (s: string) => layout.startsWith(s, i);
  while (i < layout.length) {
    const c = layout[i]!;
    if (c === 'J' && at('Jan')) {
      if (at('January')) push('LongMonth', 7);
      else if (!lower(layout[i + 3])) push('Month', 3);
      else {
        lit += c;
        i++;
      }
    } else if (c === 'M' && at('Mon')) {
      if (at('Monday')) push('LongWeekDay', 6);
      else if (!lower(layout[i + 3])) push('WeekDay', 3);
      else {
        lit += c;
        i++;
      }
    } else if (c === 'M' && at('MST')) push('TZ', 3);
    else if (c === '0' && layout[i + 1]! >= '1' && layout[i + 1]! <= '6') push(['ZeroMonth', 'ZeroDay', 'ZeroHour12', 'ZeroMinute', 'ZeroSecond', 'Year'][Number(layout[i + 1]) - 1]!, 2);
    else if (c === '0' && at('002')) push('ZeroYearDay', 3);
    else if (c === '1') {
      if (layout[i + 1] === '5') push('Hour', 2);
      else push('NumMonth', 1);
    } else if (c === '2') {
      if (at('2006')) push('LongYear', 4);
      else push('Day', 1);
    } else if (c === '_' && layout[i + 1] === '2') {
      if (layout.startsWith('2006', i + 1)) {
        lit += '_';
        i++;
        push('LongYear', 4);
      } else push('UnderDay', 2);
    } else if (c === '_' && at('__2')) push('UnderYearDay', 3);
    else if (c === '3') push('Hour12', 1);
    else if (c === '4') push('Minute', 1);
    else if (c === '5') push('Second', 1);
    else if (c === 'P' && layout[i + 1] === 'M') push('PM', 2);
    else if (c === 'p' && layout[i + 1] === 'm') push('pm', 2);
    else if (c === '-' && (at('-070000') || at('-07:00:00') || at('-0700') || at('-07:00') || at('-07'))) {
      if (at('-070000')) push('NumSecondsTZ', 7);
      else if (at('-07:00:00')) push('NumColonSecondsTZ', 9);
      else if (at('-0700')) push('NumTZ', 5);
      else if (at('-07:00')) push('NumColonTZ', 6);
      else push('NumShortTZ', 3);
    } else if (c === 'Z' && (at('Z070000') || at('Z07:00:00') || at('Z0700') || at('Z07:00') || at('Z07'))) {
      if (at('Z070000')) push('ISO8601SecondsTZ', 7);
      else if (at('Z07:00:00')) push('ISO8601ColonSecondsTZ', 9);
      else if (at('Z0700')) push('ISO8601TZ', 5);
      else if (at('Z07:00')) push('ISO8601ColonTZ', 6);
      else push('ISO8601ShortTZ', 3);
    } else if ((c === '.' || c === ',') && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
      const ch = layout[i + 1]!;
      let j = i + 1;
      while (layout[j] === ch) j++;
      if (!digit(layout[j])) push(ch === '0' ? 'FracSecond0' : 'FracSecond9', j - i, { digits: j - i - 1, sep: c });
      else {
        lit += c;
        i++;
      }
    } else {
      lit += c;
      i++;
    }
  }
  if (lit) out.push({ lit });
  return out;
}

const pad = (n: number, w: number): string => {
  const s = String(Math.abs(n)).padStart(w, '0');
  return n < 0 ? `-${s}` : s;
};

const h12 = (t: Civil): number => (t.hour % 12 === 0 ? 12 : t.hour % 12);

/** How each std element prints a time. */
const FORMATTERS: Record<string, (t: Civil) => string> = {
  Year: (t) => pad(((t.year % 100) + 100) % 100, 2),
  LongYear: (t) => pad(t.year, 4),
  Month: (t) => LONG_MONTHS[t.month - 1]!.slice(0, 3),
  LongMonth: (t) => LONG_MONTHS[t.month - 1]!,
  NumMonth: (t) => String(t.month),
  ZeroMonth: (t) => pad(t.month, 2),
  WeekDay: (t) => LONG_DAYS[t.weekday]!.slice(0, 3),
  LongWeekDay: (t) => LONG_DAYS[t.weekday]!,
  Day: (t) => String(t.day),
  UnderDay: (t) => String(t.day).padStart(2, ' '),
  ZeroDay: (t) => pad(t.day, 2),
  UnderYearDay: (t) => String(t.yday).padStart(3, ' '),
  ZeroYearDay: (t) => pad(t.yday, 3),
  Hour: (t) => pad(t.hour, 2),
  Hour12: (t) => String(h12(t)),
  ZeroHour12: (t) => pad(h12(t), 2),
  Minute: (t) => String(t.min),
  ZeroMinute: (t) => pad(t.min, 2),
  Second: (t) => String(t.sec),
  ZeroSecond: (t) => pad(t.sec, 2),
  PM: (t) => (t.hour >= 12 ? 'PM' : 'AM'),
  pm: (t) => (t.hour >= 12 ? 'pm' : 'am'),
  TZ: (t) => {
    if (t.zone) return t.zone;
    const z = Math.trunc(t.offset / 60);
    return `${z < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(z) / 60), 2)}${pad(Math.abs(z) % 60, 2)}`;
  },
};

/** Time.Format. */
export function formatCivil(t: Civil, layout: string): string {
  let out = '';
  for (const ch of chunks(layout)) {
    if ('lit' in ch) out += ch.lit;
    else if (FORMATTERS[ch.std]) out += FORMATTERS[ch.std]!(t);
    else if (ch.std.startsWith('FracSecond')) {
      let digits = String(t.nsec).padStart(9, '0').slice(0, Math.min(ch.digits!, 9));
      if (ch.std === 'FracSecond9') digits = digits.replace(/0+$/, '');
      if (digits !== '' || ch.std === 'FracSecond0') out += ch.sep + digits;
    } else out += formatOffset(ch.std, t.offset);
  }
  return out;
}

function formatOffset(std: string, offset: number): string {
  if (offset === 0 && std.startsWith('ISO8601')) return 'Z';
  let zone = Math.trunc(offset / 60);
  let abs = offset;
  let out = '+';
  if (zone < 0) {
    out = '-';
    zone = -zone;
    abs = -abs;
  }
  out += pad(Math.trunc(zone / 60), 2);
  if (std.includes('Colon')) out += ':';
  if (!std.includes('Short')) out += pad(zone % 60, 2);
  if (std.includes('Seconds')) out += (std.includes('Colon') ? ':' : '') + pad(abs % 60, 2);
  return out;
}

/** Go's time.quote. */
export function goTimeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x80 || c < 0x20) for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += c === 0x22 || c === 0x5c ? `\\${ch}` : ch;
  }
  return `${out}"`;
}

/** What time.Parse yields: fields in some zone, or an instant offset. */
export interface Parsed extends Fields {
  /** Seconds east of UTC when the input named an offset; undefined = the fields are UTC. */
  offset?: number | undefined;
}

export function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** time.Parse(layout, value); throws Go's ParseError text. */
export function parseLayout(layout: string, value: string): Parsed {
  const err = (layoutElem: string, valueElem: string, message = '') =>
    builtinError(message ? `parsing time ${goTimeQuote(value)}${message}` : `parsing time ${goTimeQuote(value)} as ${goTimeQuote(layout)}: cannot parse ${goTimeQuote(valueElem)} as ${goTimeQuote(layoutElem)}`);
  let v = value;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let am = false;
  let pm = false;
  let offset: number | undefined;
  let utc = false;
  const list = chunks(layout);
  const num = (fixed: boolean, max = 2): number | undefined => {
    if (!digit(v[0])) return undefined;
    let n = 1;
    while (n < max && digit(v[n])) n++;
    if (fixed && n < max) return undefined;
    const r = Number(v.slice(0, n));
    v = v.slice(n);
    return r;
  };
  const fraction = (n: number): { ns: number } | undefined => {
    if (v[0] !== '.' && v[0] !== ',') return undefined;
    const d = v.slice(1, Math.min(n, 10));
    if (!/^\d*$/.test(d)) return undefined;
    v = v.slice(n);
    return { ns: Number(d || '0') * 10 ** (9 - d.length) };
  };
  const lookup = (names: string[]): number | undefined => {
    for (let k = 0; k < names.length; k++) {
      if (v.length >= names[k]!.length && v.slice(0, names[k]!.length).toLowerCase() === names[k]!.toLowerCase()) {
        v = v.slice(names[k]!.length);
        return k;
      }
    }
    return undefined;
  };
  for (let idx = 0; idx < list.length; idx++) {
    const ch = list[idx]!;
    if ('lit' in ch) {
      let p = ch.lit;
      while (p.length > 0) {
        if (p[0] === ' ') {
          if (v.length > 0 && v[0] !== ' ') throw err(ch.lit, v);
          p = p.replace(/^ +/, '');
          v = v.replace(/^ +/, '');
          continue;
        }
        if (v.length === 0 || v[0] !== p[0]) throw err(ch.lit, v);
        p = p.slice(1);
        v = v.slice(1);
      }
      continue;
    }
    const hold = v;
    let range = '';
    let ok = true;
    let n: number | undefined;
    switch (ch.std) {
      case 'Year':
        if (v.length < 2 || !/^\d\d/.test(v)) ok = false;
        else {
          year = Number(v.slice(0, 2));
          year += year >= 69 ? 1900 : 2000;
          v = v.slice(2);
        }
        break;
      case 'LongYear':
        if (v.length < 4 || !digit(v[0]) || !/^\d{4}/.test(v)) ok = false;
        else {
          year = Number(v.slice(0, 4));
          v = v.slice(4);
        }
        break;
      case 'Month':
      case 'LongMonth':
        n = lookup(ch.std === 'Month' ? LONG_MONTHS.map((m) => m.slice(0, 3)) : LONG_MONTHS);
        if (n === undefined) ok = false;
        else month = n + 1;
        break;
      case 'NumMonth':
      case 'ZeroMonth':
        n = num(ch.std === 'ZeroMonth');
        if (n === undefined) ok = false;
        else if (n <= 0 || n > 12) range = 'month';
        else month = n;
        break;
      case 'WeekDay':
      case 'LongWeekDay':
        if (lookup(ch.std === 'WeekDay' ? LONG_DAYS.map((d) => d.slice(0, 3)) : LONG_DAYS) === undefined) ok = false;
        break;
      case 'Day':
      case 'UnderDay':
      case 'ZeroDay':
        if (ch.std === 'UnderDay' && v[0] === ' ') v = v.slice(1);
        n = num(ch.std === 'ZeroDay');
        if (n === undefined) ok = false;
        else day = n;
        break;
      case 'UnderYearDay':
      case 'ZeroYearDay':
        for (let k = 0; k < 2; k++) if (ch.std === 'UnderYearDay' && v[0] === ' ') v = v.slice(1);
        n = num(ch.std === 'ZeroYearDay', 3);
        if (n === undefined) ok = false;
        else yday = n;
        break;
      case 'Hour':
        n = num(false);
        if (n === undefined) ok = false;
        else if (n >= 24) range = 'hour';
        else hour = n;
        break;
      case 'Hour12':
      case 'ZeroHour12':
        n = num(ch.std === 'ZeroHour12');
        if (n === undefined) ok = false;
        else if (n > 12) range = 'hour';
        else hour = n;
        break;
      case 'Minute':
      case 'ZeroMinute':
        n = num(ch.std === 'ZeroMinute');
        if (n === undefined) ok = false;
        else if (n >= 60) range = 'minute';
        else min = n;
        break;
      case 'Second':
      case 'ZeroSecond': {
        n = num(ch.std === 'ZeroSecond');
        if (n === undefined) {
          ok = false;
          break;
        }
        if (n >= 60) {
          range = 'second';
          break;
        }
        sec = n;
        // A fraction in the value with none in the layout is still read.
        const next = list[idx + 1];
        if (v.length >= 2 && (v[0] === '.' || v[0] === ',') && digit(v[1]) && !(next && 'std' in next && next.std.startsWith('FracSecond'))) {
          let k = 2;
          while (digit(v[k])) k++;
          nsec = fraction(k)!.ns;
        }
        break;
      }
      case 'PM':
      case 'pm': {
        const p = v.slice(0, 2);
        if (v.length < 2) ok = false;
        else if (p === (ch.std === 'PM' ? 'PM' : 'pm')) pm = true;
        else if (p === (ch.std === 'PM' ? 'AM' : 'am')) am = true;
        else ok = false;
        if (ok) v = v.slice(2);
        break;
      }
      case 'TZ': {
        if (v.startsWith('UTC')) {
          utc = true;
          v = v.slice(3);
          break;
        }
        const len = timeZoneLength(v);
        if (len === 0) ok = false;
        // Go keeps the clock reading as UTC for any abbreviation it cannot resolve (GMT±h included).
        else v = v.slice(len);
        break;
      }
      case 'FracSecond0': {
        const nd = 1 + ch.digits!;
        const f = v.length < nd ? undefined : fraction(nd);
        if (!f) ok = false;
        else nsec = f.ns;
        break;
      }
      case 'FracSecond9': {
        if (v.length < 2 || (v[0] !== '.' && v[0] !== ',') || !digit(v[1])) break;
        let k = 1;
        while (digit(v[k])) k++;
        nsec = fraction(k)!.ns;
        break;
      }
      default: {
        if (ch.std.startsWith('ISO8601') && v[0] === 'Z') {
          v = v.slice(1);
          utc = true;
          break;
        }
        const r = parseOffset(ch.std, v);
        if (!r) ok = false;
        else {
          v = r.rest;
          if (r.range) range = r.range;
          offset = r.offset;
        }
      }
    }
    if (range) throw err(ch.text, v, `: ${range} out of range`);
    if (!ok) throw err(ch.text, hold);
  }
  if (v.length > 0) throw err('', v, `: extra text: ${goTimeQuote(v)}`);
  if (pm && hour < 12) hour += 12;
  else if (am && hour === 12) hour = 0;
  if (yday >= 0) {
    const leap = daysIn(2, year) === 29;
    if (yday < 1 || yday > (leap ? 366 : 365)) throw err('', v, ': day-of-year out of range');
    let m = 1;
    let d = yday;
    while (d > daysIn(m, year)) d -= daysIn(m++, year);
    if ((month >= 0 && month !== m) || (day >= 0 && day !== d)) throw err('', v, ': day-of-year does not match month');
    month = m;
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) throw err('', v, ': day out of range');
  return { year, month, day, hour, min, sec, nsec, offset: utc ? undefined : offset };
}

function parseOffset(std: string, v: string): { offset: number; rest: string; range?: string | undefined } | undefined {
  let sign: string;
  let hh: string;
  let mm = '00';
  let ss = '00';
  let rest: string;
  const colon = std.includes('Colon');
  if (std.includes('Seconds')) {
    if (colon) {
      if (v.length < 9 || v[3] !== ':' || v[6] !== ':') return undefined;
      [sign, hh, mm, ss, rest] = [v[0]!, v.slice(1, 3), v.slice(4, 6), v.slice(7, 9), v.slice(9)];
    } else {
      if (v.length < 7) return undefined;
      [sign, hh, mm, ss, rest] = [v[0]!, v.slice(1, 3), v.slice(3, 5), v.slice(5, 7), v.slice(7)];
    }
  } else if (colon) {
    if (v.length < 6 || v[3] !== ':') return undefined;
    [sign, hh, mm, rest] = [v[0]!, v.slice(1, 3), v.slice(4, 6), v.slice(6)];
  } else if (std.includes('Short')) {
    if (v.length < 3) return undefined;
    [sign, hh, rest] = [v[0]!, v.slice(1, 3), v.slice(3)];
  } else {
    if (v.length < 5) return undefined;
    [sign, hh, mm, rest] = [v[0]!, v.slice(1, 3), v.slice(3, 5), v.slice(5)];
  }
  if (![hh, mm, ss].every((x) => /^\d\d$/.test(x))) return undefined;
  const [h, m, s] = [Number(hh), Number(mm), Number(ss)];
  let range: string | undefined;
  if (h > 24) range = 'time zone offset hour';
  if (m > 60) range = 'time zone offset minute';
  if (s > 60) range = 'time zone offset second';
  let offset = (h * 60 + m) * 60 + s;
  if (sign === '-') offset = -offset;
  else if (sign !== '+') return undefined;
  return { offset, rest, range };
}

/** Go's parseTimeZone: the length of a zone abbreviation at the start of v, or 0. */
function timeZoneLength(v: string): number {
  if (v.length < 3) return 0;
  if (v.startsWith('ChST') || v.startsWith('MeST')) return 4;
  if (v.startsWith('GMT')) {
    const m = /^GMT([+-])(\d+)/.exec(v);
    if (!m || m[2]!.length > 2 || Number(m[2]) > 23 || (m[1] === '-' && Number(m[2]) === 0)) return 3;
    return 3 + 1 + m[2]!.length;
  }
  if (v[0] === '+' || v[0] === '-') {
    const m = /^[+-]\d\d(\d\d)?/.exec(v);
    return m ? m[0].length : 0;
  }
  let n = 0;
  while (n < 6 && n < v.length && v[n]! >= 'A' && v[n]! <= 'Z') n++;
  if (n === 3) return 3;
  if (n === 4 && (v[3] === 'T' || v.startsWith('WITA'))) return 4;
  if (n === 5 && v[4] === 'T') return 5;
  return 0;
}
