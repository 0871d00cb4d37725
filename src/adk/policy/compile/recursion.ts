// Static recursion check: OPA rejects any rule that depends on itself, directly or through
// other rules or functions (rego_recursion_error), before evaluation starts.
import type { Loc } from '../ast.ts';
import type { DataNode, RuleSet } from '../eval/program.ts';
import { keyOf } from '../value.ts';
import type { IR, Lit } from './ir.ts';
import { compileError, pathKey } from './resolve.ts';

/** The rule sets a rule's IR reads: data refs (by their constant prefix) and function calls. */
export function dependencies(root: DataNode, ruleSets: ReadonlyMap<string, RuleSet>, lits: readonly Lit[], terms: readonly IR[]): Set<RuleSet> {
  const out = new Set<RuleSet>();
  const visitTerm = (t: IR): void => {
    switch (t.k) {
      case 'ref':
        if (t.head.k === 'data') dataRef(t.path);
        else visitTerm(t.head);
        t.path.forEach(visitTerm);
        break;
      case 'data':
        dataRef([]);
        break;
      case 'array':
      case 'set':
        t.items.forEach(visitTerm);
        break;
      case 'object':
        for (const [a, b] of t.entries) {
          visitTerm(a);
          visitTerm(b);
        }
        break;
      case 'compr':
        visitTerm(t.head);
        t.body.forEach(visitLit);
        break;
      case 'ocompr':
        visitTerm(t.key);
        visitTerm(t.value);
        t.body.forEach(visitLit);
        break;
      case 'call':
        if (t.target.kind === 'function') {
          const rs = ruleSets.get(pathKey(t.target.path));
          if (rs) out.add(rs);
        }
        t.args.forEach(visitTerm);
        break;
      case 'template':
        for (const p of t.parts) if (typeof p !== 'string') visitLit(p);
        break;
    }
  };
  const visitLit = (l: Lit): void => {
    switch (l.k) {
      case 'expr':
        visitTerm(l.term);
        break;
      case 'unify':
        visitTerm(l.a);
        visitTerm(l.b);
        break;
      case 'somein':
        if (l.key) visitTerm(l.key);
        visitTerm(l.value);
        visitTerm(l.coll);
        break;
      case 'every':
        visitTerm(l.domain);
        l.body.forEach(visitLit);
        break;
      case 'block':
        l.body.forEach(visitLit);
        break;
    }
    for (const w of l.with) visitTerm(w.value);
  };
  // A ref depends on the rule sets it can reach: constant keys select one child, any other
  // key matches every child (as OPA's dynamic rule lookup does); where the ref ends, everything
  // below is read.
  const dataRef = (path: readonly IR[]): void => {
    const walk = (node: DataNode, i: number): void => {
      if (node.ruleSet) {
        out.add(node.ruleSet);
        if (node.children.size === 0) return;
      }
      if (i === path.length) {
        collect(node, out);
        return;
      }
      const p = path[i]!;
      if (p.k === 'const') {
        const child = node.children.get(keyOf(p.v));
        if (child) walk(child, i + 1);
      } else {
        for (const child of node.children.values()) walk(child, i + 1);
      }
    };
    walk(root, 0);
  };
  lits.forEach(visitLit);
  terms.forEach(visitTerm);
  return out;
}

function collect(node: DataNode, out: Set<RuleSet>): void {
  if (node.ruleSet) out.add(node.ruleSet);
  for (const c of node.children.values()) collect(c, out);
}

/** Throws rego_recursion_error for the first cycle found among rule sets. */
export function checkRecursion(deps: ReadonlyMap<RuleSet, ReadonlySet<RuleSet>>): void {
  const state = new Map<RuleSet, 'active' | 'done'>();
  const stack: RuleSet[] = [];
  const visit = (rs: RuleSet): void => {
    const st = state.get(rs);
    if (st === 'done') return;
    if (st === 'active') {
      const cycle = [...stack.slice(stack.indexOf(rs)), rs].map(name);
      throw compileError('rego_recursion_error', `rule ${name(rs)} is recursive: ${cycle.join(' -> ')}`, rs.loc as Loc);
    }
    state.set(rs, 'active');
    stack.push(rs);
    for (const d of deps.get(rs) ?? []) visit(d);
    stack.pop();
    state.set(rs, 'done');
  };
  for (const rs of deps.keys()) visit(rs);
}

function name(rs: RuleSet): string {
  return `data.${rs.path.join('.')}`;
}
