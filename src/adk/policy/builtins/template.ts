// strings.render_template: Go text/template (actions, pipelines, if/range/with, variables and
// the builtin functions) over JSON data, with missingkey=error.
import type { Value } from '../value.ts';
import { toJS } from '../value.ts';
import { T } from '../types.ts';
import { builtinError, declare, type BuiltinTable } from './builtin.ts';
import { object, str } from './args.ts';

type Data = unknown;
type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipe; pos: number }
  | { k: 'if' | 'with'; pipe: Pipe; body: Node[]; alt: Node[] }
  | { k: 'range'; pipe: Pipe; body: Node[]; alt: Node[] }
  | { k: 'break' | 'continue' };
interface Pipe {
  decl: string[];
  assign: boolean;
  cmds: Cmd[];
}
type Arg = { k: 'field'; base: Arg | null; path: string[]; text: string } | { k: 'var'; name: string; path: string[] } | { k: 'lit'; v: Data } | { k: 'fn'; name: string } | { k: 'pipe'; pipe: Pipe };
type Cmd = Arg[];

const fail = (msg: string) => builtinError(`template: template:${msg}`);

/** Splits a template into text and action tokens, honouring {{- and -}} trimming. */
function lex(src: string): ({ text: string } | { action: string; pos: number })[] {
  const out: ({ text: string } | { action: string; pos: number })[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    out.push({ text });
    const close = src.indexOf('}}', start);
    if (close < 0) throw fail('1: unclosed action');
    let body = src.slice(start, close);
    let next = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      while (next < src.length && /\s/.test(src[next]!)) next++;
    }
    out.push({ action: body.trim(), pos: open });
    i = next;
  }
  return out;
}

function tokenizeAction(s: string): string[] {
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*'|:=|=|\||\(|\)|,|[^\s|()=,]+)/y;
  const out: string[] = [];
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1]!);
  return out;
}

function parsePipe(tokens: string[]): Pipe {
  const pipe: Pipe = { decl: [], assign: false, cmds: [] };
  let i = 0;
  const varsEnd = tokens.findIndex((t) => t === ':=' || t === '=');
  if (varsEnd > 0 && tokens.slice(0, varsEnd).every((t) => t.startsWith('$') || t === ',')) {
    pipe.decl = tokens.slice(0, varsEnd).filter((t) => t !== ',');
    pipe.assign = tokens[varsEnd] === '=';
    i = varsEnd + 1;
  }
  let cmd: Cmd = [];
  const args = (): Arg => {
    const t = tokens[i++]!;
    if (t === '(') {
      let depth = 1;
      const start = i;
      while (i < tokens.length && depth > 0) {
        if (tokens[i] === '(') depth++;
        if (tokens[i] === ')') depth--;
        i++;
      }
      const inner: Arg = { k: 'pipe', pipe: parsePipe(tokens.slice(start, i - 1)) };
      return chain(inner);
    }
    return term(t);
  };
  // Only a parenthesised pipeline takes a field chain as a separate token: `(.a).b`.
  const chain = (a: Arg): Arg => {
    while (tokens[i]?.startsWith('.') && tokens[i] !== '.') {
      const path = tokens[i++]!.split('.').slice(1);
      a = { k: 'field', base: a, path, text: path.join('.') };
    }
    return a;
  };
  while (i < tokens.length) {
    if (tokens[i] === '|') {
      pipe.cmds.push(cmd);
      cmd = [];
      i++;
      continue;
    }
    cmd.push(args());
  }
  pipe.cmds.push(cmd);
  return pipe;
}

function term(t: string): Arg {
  if (t === '.') return { k: 'field', base: null, path: [], text: '.' };
  if (t.startsWith('.')) return { k: 'field', base: null, path: t.slice(1).split('.'), text: t };
  if (t.startsWith('$')) {
    const [name, ...path] = t.split('.');
    return { k: 'var', name: name!, path };
  }
  if (t.startsWith('"')) return { k: 'lit', v: JSON.parse(t) };
  if (t.startsWith('`')) return { k: 'lit', v: t.slice(1, -1) };
  if (t.startsWith("'")) return { k: 'lit', v: JSON.parse(`"${t.slice(1, -1)}"`).codePointAt(0) };
  if (t === 'true' || t === 'false') return { k: 'lit', v: t === 'true' };
  if (t === 'nil') return { k: 'lit', v: null };
  if (/^[+-]?(\d|\.\d)/.test(t)) return { k: 'lit', v: Number(t) };
  return { k: 'fn', name: t };
}

function parse(src: string): Node[] {
  const toks = lex(src);
  let i = 0;
  const block = (ends: string[]): [Node[], string] => {
    const nodes: Node[] = [];
    while (i < toks.length) {
      const t = toks[i++]!;
      if ('text' in t) {
        if (t.text) nodes.push({ k: 'text', text: t.text });
        continue;
      }
      const a = t.action;
      if (a.startsWith('/*')) continue;
      const word = a.split(/\s+/)[0]!;
      if (ends.includes(word) || (word === 'else' && ends.includes('else'))) return [nodes, a];
      if (word === 'if' || word === 'with' || word === 'range') nodes.push(control(word, a.slice(word.length)));
      else if (word === 'break' || word === 'continue') nodes.push({ k: word });
      else nodes.push({ k: 'action', pipe: parsePipe(tokenizeAction(a)), pos: t.pos });
    }
    if (ends.length) throw fail('1: unexpected EOF');
    return [nodes, ''];
  };
  const control = (word: 'if' | 'with' | 'range', rest: string): Node => {
    const pipe = parsePipe(tokenizeAction(rest));
    const [body, end] = block(['end', 'else']);
    let alt: Node[] = [];
    if (end.startsWith('else')) {
      const tail = end.slice(4).trim();
      if (tail.startsWith('if ') || tail.startsWith('with ')) {
        const w = tail.startsWith('if ') ? 'if' : 'with';
        alt = [control(w, tail.slice(w.length))];
        return { k: word, pipe, body, alt };
      }
      [alt] = block(['end']);
    }
    return { k: word, pipe, body, alt };
  };
  return block([])[0];
}

function truth(v: Data): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '' || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** fmt's %v of JSON data. */
export function goPrint(v: Data): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : String(v).replace(/e([+-])(\d)$/, 'e$10$2');
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v as object).sort().map((k) => `${k}:${goPrint((v as Record<string, Data>)[k])}`).join(' ')}]`;
  return String(v);
}

class Exec {
  out = '';
  vars: [string, Data][][] = [];
  readonly root: Data;
  constructor(root: Data) {
    this.root = root;
    this.vars.push([['$', root]]);
  }
  lookup(name: string): Data {
    for (let s = this.vars.length - 1; s >= 0; s--) for (const [n, v] of this.vars[s]!) if (n === name) return v;
    throw fail(`1: undefined variable: ${name}`);
  }
  field(base: Data, path: string[], text: string): Data {
    let v = base;
    for (const p of path) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw fail(`1:2: executing "template" at <${text}>: can't evaluate field ${p} in type ${Array.isArray(v) ? '[]interface {}' : 'interface {}'}`);
      if (!(p in (v as object))) throw fail(`1:2: executing "template" at <${text}>: map has no entry for key "${p}"`);
      v = (v as Record<string, Data>)[p];
    }
    return v;
  }
  arg(a: Arg, dot: Data): Data {
    switch (a.k) {
      case 'lit':
        return a.v;
      case 'var':
        return this.field(this.lookup(a.name), a.path, `${a.name}.${a.path.join('.')}`);
      case 'field':
        return this.field(a.base ? this.arg(a.base, dot) : dot, a.path, a.text);
      case 'pipe':
        return this.pipe(a.pipe, dot);
      default:
        return this.call(a.name, [], dot);
    }
  }
  call(name: string, args: Data[], _dot: Data): Data {
    const cmp = (f: (a: number | string, b: number | string) => boolean) => f(args[0] as number, args[1] as number);
    switch (name) {
      case 'and':
        return args.find((x) => !truth(x)) ?? args[args.length - 1];
      case 'or':
        return args.find(truth) ?? args[args.length - 1];
      case 'not':
        return !truth(args[0]);
      case 'len':
        return Array.isArray(args[0]) ? args[0].length : typeof args[0] === 'string' ? Buffer.byteLength(args[0]) : Object.keys(args[0] as object).length;
      case 'index': {
        let v = args[0];
        for (const k of args.slice(1)) v = Array.isArray(v) ? v[Number(k)] : (v as Record<string, Data>)?.[String(k)];
        return v;
      }
      case 'print':
        return args.map(goPrint).join('');
      case 'println':
        return `${args.map(goPrint).join(' ')}\n`;
      case 'printf': {
        let i = 1;
        return String(args[0]).replace(/%[-+# 0]*\d*(\.\d+)?[vsdqtfgx%]/g, (m) => (m === '%%' ? '%' : m.endsWith('q') ? JSON.stringify(args[i++]) : goPrint(args[i++])));
      }
      case 'eq':
        return args.slice(1).some((x) => x === args[0]);
      case 'ne':
        return args[0] !== args[1];
      case 'lt':
        return cmp((a, b) => a < b);
      case 'le':
        return cmp((a, b) => a <= b);
      case 'gt':
        return cmp((a, b) => a > b);
      case 'ge':
        return cmp((a, b) => a >= b);
      case 'html':
        return args.map(goPrint).join('').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
      case 'urlquery':
        return encodeURIComponent(args.map(goPrint).join(''));
      default:
        throw fail(`1: function "${name}" not defined`);
    }
  }
  pipe(p: Pipe, dot: Data): Data {
    let v: Data = undefined;
    p.cmds.forEach((cmd, ci) => {
      const head = cmd[0]!;
      if (head.k === 'fn') {
        const args = cmd.slice(1).map((a) => this.arg(a, dot));
        if (ci > 0) args.push(v);
        v = this.call(head.name, args, dot);
      } else v = this.arg(head, dot);
    });
    for (const name of p.decl) {
      if (p.assign) {
        for (let s = this.vars.length - 1; s >= 0; s--) {
          const e = this.vars[s]!.find(([n]) => n === name);
          if (e) {
            e[1] = v;
            break;
          }
        }
      } else this.vars[this.vars.length - 1]!.push([name, v]);
    }
    return v;
  }
  run(nodes: Node[], dot: Data): 'break' | 'continue' | undefined {
    for (const n of nodes) {
      switch (n.k) {
        case 'text':
          this.out += n.text;
          break;
        case 'action': {
          const v = this.pipe(n.pipe, dot);
          if (n.pipe.decl.length === 0) this.out += v === undefined || v === null ? '<no value>' : goPrint(v);
          break;
        }
        case 'if':
        case 'with': {
          this.vars.push([]);
          const v = this.pipe({ ...n.pipe, decl: n.pipe.decl }, dot);
          const r = truth(v) ? this.run(n.body, n.k === 'with' ? v : dot) : this.run(n.alt, dot);
          this.vars.pop();
          if (r) return r;
          break;
        }
        case 'range': {
          this.vars.push([]);
          const v = this.pipe({ ...n.pipe, decl: [] }, dot);
          const entries: [Data, Data][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => [k, (v as Record<string, Data>)[k]]) : [];
          if (typeof v === 'number') for (let i = 0; i < v; i++) entries.push([i, i]);
          if (entries.length === 0) this.run(n.alt, dot);
          for (const [k, x] of entries) {
            const scope = this.vars[this.vars.length - 1]!;
            scope.length = 0;
            if (n.pipe.decl.length === 2) scope.push([n.pipe.decl[0]!, k], [n.pipe.decl[1]!, x]);
            else if (n.pipe.decl.length === 1) scope.push([n.pipe.decl[0]!, x]);
            const r = this.run(n.body, x);
            if (r === 'break') break;
          }
          this.vars.pop();
          break;
        }
        default:
          return n.k;
      }
    }
    return undefined;
  }
}

function render(args: readonly Value[]): Value {
  const src = str(args, 1);
  const vars = toJS(object(args, 2));
  const nodes = parse(src);
  const ex = new Exec(vars);
  ex.run(nodes, vars);
  return ex.out;
}

/** Registers strings.render_template. */
export function register(table: BuiltinTable): void {
  declare(table, { name: 'strings.render_template', category: 'strings', args: [T.string, T.object(T.string, T.any)], result: T.string, impl: render });
}
