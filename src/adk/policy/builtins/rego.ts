// rego.parse_module: parses Rego text with this engine's parser and answers the module as JSON
// in OPA's AST shape (terms as {type, value}, expressions as {index, terms}).
import { AutonomyError } from '../../../common/errors.ts';
import type { Expr, Module, Rule, Term } from '../ast.ts';
import { parseModule } from '../parser.ts';
import { T } from '../types.ts';
import { fromJS } from '../value.ts';
import { str } from './args.ts';
import { builtinError, declare, type BuiltinTable } from './builtin.ts';

/** Registers rego.parse_module. */
export function register(table: BuiltinTable): void {
  declare(table, {
    name: 'rego.parse_module',
    args: [T.string, T.string],
    result: T.object(T.string, T.any),
    category: 'rego',
    impl: (args) => {
      const filename = str(args, 1);
      const text = str(args, 2);
      let m: Module;
      try {
        m = parseModule(text, filename);
      } catch (e) {
        if (e instanceof AutonomyError) throw builtinError(`${e.code}: ${e.message}`);
        throw e;
      }
      return fromJS(moduleJSON(m));
    },
  });
}

function moduleJSON(m: Module): unknown {
  const out: Record<string, unknown> = {
    package: { path: [{ type: 'var', value: 'data' }, ...m.package.map((p) => ({ type: 'string', value: p }))] },
  };
  if (m.imports.length > 0) out['imports'] = m.imports.map((i) => (i.alias ? { path: termJSON(i.path), alias: i.alias } : { path: termJSON(i.path) }));
  if (m.rules.length > 0) out['rules'] = m.rules.map(ruleJSON);
  return out;
}

function ruleJSON(r: Rule): unknown {
  const h = r.head;
  const head: Record<string, unknown> = { name: (h.ref[0] as { name: string }).name, ref: h.ref.map(termJSON) };
  if (h.args) head['args'] = h.args.map(termJSON);
  if (h.key) head['key'] = termJSON(h.key);
  head['value'] = h.value ? termJSON(h.value) : h.key ? undefined : { type: 'boolean', value: true };
  if (head['value'] === undefined) delete head['value'];
  if (h.assign) head['assign'] = true;
  const out: Record<string, unknown> = { head, body: r.body.length > 0 ? r.body.map(exprJSON) : [{ index: 0, terms: { type: 'boolean', value: true } }] };
  if (r.default) out['default'] = true;
  if (r.else.length > 0) {
    // OPA nests else branches: each one's `else` is the next.
    out['else'] = r.else.reduceRight<unknown>((next, alt) => {
      const j = ruleJSON({ ...alt, else: [] }) as Record<string, unknown>;
      if (next) j['else'] = next;
      return j;
    }, undefined);
  }
  return out;
}

function op(name: string): unknown {
  return { type: 'ref', value: name.split('.').map((p, i) => (i === 0 ? { type: 'var', value: p } : { type: 'string', value: p })) };
}

function exprJSON(e: Expr, index: number): unknown {
  let terms: unknown;
  switch (e.kind) {
    case 'term':
      terms = e.term.type === 'call' ? [op(e.term.op.join('.')), ...e.term.args.map(termJSON)] : termJSON(e.term);
      break;
    case 'assign':
      terms = [op('assign'), termJSON(e.lhs), termJSON(e.rhs)];
      break;
    case 'unify':
      terms = [op('eq'), termJSON(e.lhs), termJSON(e.rhs)];
      break;
    case 'some':
      terms = { type: 'somedecl', value: { symbols: e.vars.map(termJSON) } };
      break;
    case 'somein':
      terms = { type: 'somedecl', value: { symbols: [{ type: 'call', value: [op(e.key ? 'internal.member_3' : 'internal.member_2'), ...(e.key ? [termJSON(e.key)] : []), termJSON(e.value), termJSON(e.collection)] }] } };
      break;
    case 'every':
      terms = { type: 'every', value: { key: e.key ? termJSON(e.key) : null, value: termJSON(e.value), domain: termJSON(e.domain), body: e.body.map(exprJSON) } };
      break;
  }
  const out: Record<string, unknown> = { index, terms };
  if (e.negated) out['negated'] = true;
  if (e.with.length > 0) out['with'] = e.with.map((w) => ({ target: termJSON(w.target), value: termJSON(w.value) }));
  return out;
}

function termJSON(t: Term): unknown {
  switch (t.type) {
    case 'null':
      return { type: 'null' };
    case 'boolean':
      return { type: 'boolean', value: t.value };
    case 'number':
      return { type: 'number', value: t.value };
    case 'string':
      return { type: 'string', value: t.value };
    case 'var':
      return { type: 'var', value: t.name };
    case 'ref':
      return { type: 'ref', value: [termJSON(t.head), ...t.path.map(termJSON)] };
    case 'array':
      return { type: 'array', value: t.items.map(termJSON) };
    case 'set':
      return { type: 'set', value: t.items.map(termJSON) };
    case 'object':
      return { type: 'object', value: t.entries.map(([k, v]) => [termJSON(k), termJSON(v)]) };
    case 'arraycomp':
      return { type: 'arraycomprehension', value: { term: termJSON(t.term), body: t.body.map(exprJSON) } };
    case 'setcomp':
      return { type: 'setcomprehension', value: { term: termJSON(t.term), body: t.body.map(exprJSON) } };
    case 'objectcomp':
      return { type: 'objectcomprehension', value: { key: termJSON(t.key), value: termJSON(t.value), body: t.body.map(exprJSON) } };
    case 'call':
      return { type: 'call', value: [op(t.op.join('.')), ...t.args.map(termJSON)] };
    case 'template':
      return { type: 'templatestring', value: t.parts.map((p) => (typeof p === 'string' ? { type: 'string', value: p } : exprJSON(p, 0))) };
  }
}

