// AST → Rego v1 text. Parsing the printed text gives back the same AST (locations aside), which
// the property tests check; it is also what a formatter builds on.
import type { Body, Expr, Module, Rule, Term } from './ast.ts';
import YAML from 'yaml';
import { formatNumber } from './value.ts';

const PRECEDENCE: Record<string, number> = { in: 0, '==': 1, '!=': 1, '<': 1, '<=': 1, '>': 1, '>=': 1, '|': 2, '&': 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5 };

/** Prints a module. */
export function printModule(m: Module): string {
  const lines = [...printAnnotations(m.annotations), `package ${printPath(m.package)}`, ''];
  for (const imp of m.imports) lines.push(`import ${printTerm(imp.path)}${imp.alias ? ` as ${imp.alias}` : ''}`);
  if (m.imports.length > 0) lines.push('');
  for (const r of m.rules) lines.push(...printAnnotations(r.annotations), printRule(r), '');
  return lines.join('\n');
}

/** A METADATA comment block (YAML), or nothing. */
function printAnnotations(a: Record<string, unknown> | undefined): string[] {
  if (!a) return [];
  const yaml = YAML.stringify(a).trimEnd().split('\n');
  return ['# METADATA', ...yaml.map((l) => `# ${l}`)];
}

function printPath(path: readonly string[]): string {
  return path.map((p, i) => (i > 0 && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `[${JSON.stringify(p)}]` : (i > 0 ? '.' : '') + p)).join('');
}

/** Prints a rule with its else chain. */
export function printRule(r: Rule): string {
  const h = r.head;
  let s = r.default ? 'default ' : '';
  s += h.ref.map((t, i) => (i === 0 ? printTerm(t) : t.type === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.value) ? `.${t.value}` : `[${printTerm(t)}]`)).join('');
  if (h.args) s += `(${h.args.map(printTerm).join(', ')})`;
  if (h.key) s += ` contains ${printTerm(h.key)}`;
  if (h.value) s += ` ${h.assign ? ':=' : '='} ${printTerm(h.value)}`;
  if (r.body.length > 0) s += ` if ${printBlock(r.body, '')}`;
  for (const e of r.else) {
    s += ' else';
    if (e.head.value) s += ` ${e.head.assign ? ':=' : '='} ${printTerm(e.head.value)}`;
    if (e.body.length > 0) s += ` if ${printBlock(e.body, '')}`;
  }
  return s;
}

function printBlock(body: Body, indent: string): string {
  const inner = `${indent}\t`;
  return `{\n${body.map((e) => inner + printExpr(e, inner)).join('\n')}\n${indent}}`;
}

/** Prints one literal. */
export function printExpr(e: Expr, indent = ''): string {
  let s: string;
  switch (e.kind) {
    case 'term':
      // A literal `k, v in coll` needs no parentheses; everywhere else its comma would separate items.
      s = isMemberWithKey(e.term) ? printMemberWithKey(e.term) : printTerm(e.term);
      break;
    case 'assign':
      s = `${printTerm(e.lhs)} := ${printTerm(e.rhs)}`;
      break;
    case 'unify':
      s = `${printTerm(e.lhs)} = ${printTerm(e.rhs)}`;
      break;
    case 'some':
      s = `some ${e.vars.map((v) => v.name).join(', ')}`;
      break;
    case 'somein':
      s = `some ${e.key ? `${printTerm(e.key)}, ` : ''}${printTerm(e.value)} in ${printOperand(e.collection, 1)}`;
      break;
    case 'block':
      s = `{ ${printInline(e.body)} }`;
      break;
    case 'every':
      s = `every ${e.key ? `${printTerm(e.key)}, ` : ''}${printTerm(e.value)} in ${printOperand(e.domain, 1)} ${printBlock(e.body, indent)}`;
      break;
  }
  if (e.negated) s = `not ${s}`;
  for (const w of e.with) s += ` with ${printTerm(w.target)} as ${printTerm(w.value)}`;
  return s;
}

/** Prints a term. */
export function printTerm(t: Term): string {
  switch (t.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return String(t.value);
    case 'number':
      return t.text.startsWith('-') || /^\d/.test(t.text) ? t.text : (typeof t.value === 'object' ? t.value.toString() : formatNumber(t.value));
    case 'string':
      return t.raw && !t.value.includes('`') ? `\`${t.value}\`` : JSON.stringify(t.value);
    case 'var':
      return t.name;
    case 'ref':
      return printRefHead(t.head) + t.path.map((p) => (p.type === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.value) && !KEYWORDS.has(p.value) ? `.${p.value}` : `[${printTerm(p)}]`)).join('');
    case 'array':
      return `[${t.items.map(printElement).join(', ')}]`;
    case 'set':
      return t.items.length === 0 ? 'set()' : `{${t.items.map(printElement).join(', ')}}`;
    case 'object':
      return `{${t.entries.map(([k, v]) => `${printElement(k)}: ${printElement(v)}`).join(', ')}}`;
    case 'arraycomp':
      return `[${printTerm(t.term)} | ${printInline(t.body)}]`;
    case 'setcomp':
      return `{${printTerm(t.term)} | ${printInline(t.body)}}`;
    case 'objectcomp':
      return `{${printTerm(t.key)}: ${printTerm(t.value)} | ${printInline(t.body)}}`;
    case 'call': {
      if (t.infix) {
        if (t.infix === 'unary-') return `-${printOperand(t.args[1]!, 6)}`;
        const prec = PRECEDENCE[t.infix]!;
        return `${printOperand(t.args[0]!, prec)} ${t.infix} ${printOperand(t.args[1]!, prec + 1)}`;
      }
      if (isMemberWithKey(t)) return `(${printMemberWithKey(t)})`;
      return `${t.op.join('.')}(${t.args.map(printTerm).join(', ')})`;
    }
    case 'template':
      return `$"${t.parts.map((p) => (typeof p === 'string' ? escapeTemplate(p) : `{${printExpr(p)}}`)).join('')}"`;
  }
}

function isMemberWithKey(t: Term): t is Term & { type: 'call' } {
  return t.type === 'call' && t.op.join('.') === 'internal.member_3';
}

function printMemberWithKey(t: Term & { type: 'call' }): string {
  return `${printTerm(t.args[0]!)}, ${printOperand(t.args[1]!, 1)} in ${printOperand(t.args[2]!, 1)}`;
}

const KEYWORDS = new Set(['package', 'import', 'as', 'default', 'else', 'not', 'some', 'with', 'if', 'contains', 'in', 'every', 'true', 'false', 'null']);

/** Inside brackets a bare `|` would read as a comprehension: keep unions parenthesised. */
function printElement(t: Term): string {
  return hasBareBar(t) ? `(${printTerm(t)})` : printTerm(t);
}

/** True when printing t leaves a `|` outside any bracket (through infix operands only). */
function hasBareBar(t: Term): boolean {
  return t.type === 'call' && t.infix !== undefined && (t.infix === '|' || t.args.some(hasBareBar));
}

function printRefHead(t: Term): string {
  return t.type === 'var' || t.type === 'array' || t.type === 'object' || t.type === 'set' || t.type === 'call' && !t.infix ? printTerm(t) : `(${printTerm(t)})`;
}

/** An operand of an infix operator, parenthesised when it binds more loosely. */
function printOperand(t: Term, min: number): string {
  if (t.type === 'call' && t.infix && t.infix !== 'unary-') {
    const p = PRECEDENCE[t.infix]!;
    if (p < min) return `(${printTerm(t)})`;
  }
  return printTerm(t);
}

function printInline(body: Body): string {
  return body.map((e) => printExpr(e)).join('; ');
}

function escapeTemplate(s: string): string {
  return JSON.stringify(s).slice(1, -1).replace(/\{/g, '\\{');
}
