// Rego v1 parser: tokens → AST, with a location on every node and OPA's error code
// (rego_parse_error) on every failure.
import { AutonomyError } from '../../common/errors.ts';
import type { Body, Expr, Import, Loc, Module, RefTerm, Rule, RuleHead, Term, VarTerm, WithModifier } from './ast.ts';
import { parseError, scan, scanString, tokenize, type Token } from './lexer.ts';
import { annotationBlocks, normalise, type AnnotationBlock } from './annotations.ts';
import { parseNumber } from './value.ts';

const MAX_DEPTH = 500;

const INFIX: Record<string, string> = {
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
  '|': 'or',
  '&': 'and',
  '+': 'plus',
  '-': 'minus',
  '*': 'mul',
  '/': 'div',
  '%': 'rem',
};

/** Parses one module. */
export function parseModule(src: string, file = 'module.rego'): Module {
  const { tokens, comments } = scan(src, file);
  const blocks = comments.some((c) => c.text.trim() === 'METADATA') ? annotationBlocks(comments, file) : [];
  return new Parser(tokens, file, blocks).module();
}

/** Parses a query (a body, as `autonomy eval` takes it). */
export function parseQuery(src: string, file = 'query'): Body {
  const p = new Parser(tokenize(src, file), file);
  const body = p.query(['eof']);
  p.expectEnd();
  if (body.length === 0) throw parseError('empty query', { file, row: 1, col: 1 });
  return body;
}

/** Parses a single term (for --input-term and input_term in test cases). */
export function parseTerm(src: string, file = 'term'): Term {
  const p = new Parser(tokenize(src, file), file);
  const t = p.term();
  p.expectEnd();
  return t;
}

class Parser {
  private pos = 0;
  private depth = 0;
  /** `import rego.v2` enables negated blocks: `not { a; b }`. */
  private regoV2 = false;
  /** Inside `[`/`{` before a possible comprehension bar, `|` ends the term instead of meaning union. */
  private barEnds = false;
  private readonly toks: Token[];
  private readonly file: string;
  private readonly blocks: readonly AnnotationBlock[];

  constructor(toks: Token[], file: string, blocks: readonly AnnotationBlock[] = []) {
    this.toks = toks;
    this.file = file;
    this.blocks = blocks;
  }

  /** The METADATA block that ends right before a statement starting on `row`, if any. */
  private annotationsBefore(row: number, prevEnd: number, scope: 'package' | 'rule'): Record<string, unknown> | undefined {
    const b = this.blocks.find((x) => x.endRow < row && x.row > prevEnd);
    return b ? normalise(b.data, scope) : undefined;
  }

  // ---- token helpers -------------------------------------------------------------------------

  private get tok(): Token {
    return this.toks[this.pos]!;
  }
  private peek(n = 1): Token {
    return this.toks[Math.min(this.pos + n, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.tok;
    if (t.kind !== 'eof') this.pos++;
    return t;
  }
  private isOp(text: string, t: Token = this.tok): boolean {
    return t.kind === 'op' && t.text === text;
  }
  private isKw(text: string, t: Token = this.tok): boolean {
    return t.kind === 'ident' && t.text === text;
  }
  private accept(text: string): boolean {
    if (this.isOp(text)) {
      this.pos++;
      return true;
    }
    return false;
  }
  private expect(text: string, what?: string): Token {
    if (!this.isOp(text) && !this.isKw(text)) throw this.unexpected(what ?? `expected ${text}`);
    return this.next();
  }
  private unexpected(context: string): AutonomyError {
    const t = this.tok;
    // OPA's token names: eof, ident, string, number, or the operator itself.
    const found = t.kind === 'eof' ? 'eof' : t.kind === 'string' || t.kind === 'rawstring' || t.kind === 'template' ? 'string' : t.kind === 'number' ? 'number' : t.kind === 'ident' ? 'ident' : t.text;
    return parseError(`unexpected ${found} token: ${context}`, t.loc);
  }
  expectEnd(): void {
    if (this.tok.kind !== 'eof') throw this.unexpected('expected end of input');
  }

  // ---- module --------------------------------------------------------------------------------

  module(): Module {
    if (!this.isKw('package')) throw parseError('package expected', this.tok.loc);
    const pkgAnnotations = this.annotationsBefore(this.tok.loc.row, 0, 'package');
    const pkgTok = this.next();
    const pkg = this.packagePath();
    const imports: Import[] = [];
    while (this.isKw('import')) {
      const imp = this.importDecl();
      if (refToPath(imp.path)?.join('.') === 'rego.v2') this.regoV2 = true;
      imports.push(imp);
    }
    const rules: Rule[] = [];
    let prevEnd = pkgTok.loc.row;
    while (this.tok.kind !== 'eof') {
      if (this.isKw('package')) throw parseError('unexpected package keyword: only one package per module', this.tok.loc);
      if (this.isKw('import')) throw parseError('unexpected import keyword: imports must come before rules', this.tok.loc);
      const annotations = this.blocks.length > 0 ? this.annotationsBefore(this.tok.loc.row, prevEnd, 'rule') : undefined;
      for (const r of this.rule()) rules.push(annotations ? { ...r, annotations } : r);
      prevEnd = this.toks[this.pos - 1]!.loc.row;
    }
    return { file: this.file, ...(pkgAnnotations ? { annotations: pkgAnnotations } : {}), package: pkg, packageLoc: pkgTok.loc, imports, rules };
  }

  private packagePath(): string[] {
    const t = this.term();
    const parts = refToPath(t);
    if (!parts || parts.length === 0) throw parseError('package name must be a reference of strings', t.loc);
    if (parts[0] === 'data' || parts[0] === 'input') {
      if (parts[0] === 'input') throw parseError('package must not start with input', t.loc);
    }
    return parts;
  }

  private importDecl(): Import {
    const kw = this.next();
    const t = this.term();
    if (t.type !== 'ref' && t.type !== 'var') throw parseError('import path must be a reference', t.loc);
    let alias: string | undefined;
    if (this.isKw('as')) {
      this.next();
      const a = this.next();
      if (a.kind !== 'ident') throw parseError('import alias must be a variable', a.loc);
      alias = a.text;
    }
    return { path: t, alias, loc: kw.loc };
  }

  // ---- rules ---------------------------------------------------------------------------------

  private rule(): Rule[] {
    const start = this.tok.loc;
    const isDefault = this.isKw('default');
    if (isDefault) this.next();
    const head = this.ruleHead(isDefault);
    if (isDefault) {
      if (head.value === undefined) throw parseError('default rule must have a value', start);
      if (this.isKw('if')) throw parseError('default rules must not have a body', this.tok.loc);
      return [{ default: true, head, body: [], else: [], loc: start }];
    }
    let body: Body = [];
    if (this.isKw('if')) {
      this.next();
      body = this.ruleBody();
    } else if (this.isOp('{')) {
      throw parseError('`if` keyword is required before rule body', this.tok.loc);
    } else if (head.value === undefined && head.key === undefined && head.args === undefined && !isRefHead(head)) {
      throw parseError(`rule must have a value or a body`, start);
    }
    const elses: Rule[] = [];
    while (this.isKw('else')) {
      const eloc = this.next().loc;
      let value: Term | undefined;
      let assign = false;
      if (this.isOp(':=') || this.isOp('=')) {
        assign = this.next().text === ':=';
        value = this.term();
      }
      let ebody: Body = [];
      if (this.isKw('if')) {
        this.next();
        ebody = this.ruleBody();
      } else if (this.isOp('{')) {
        throw parseError('`if` keyword is required before rule body', this.tok.loc);
      }
      elses.push({ default: false, head: { ...head, value, assign, loc: eloc }, body: ebody, else: [], loc: eloc });
    }
    if (elses.length > 0 && (head.key !== undefined)) throw parseError('else keyword cannot be used on multi-value rules', elses[0]!.loc);
    const rule: Rule = { default: false, head, body, else: elses, loc: start };
    // Rego v0 allowed several bodies per head; v1 does not.
    if (this.isOp('{') && body.length > 0) throw parseError('`if` keyword is required before rule body', this.tok.loc);
    return [rule];
  }

  private ruleHead(isDefault: boolean): RuleHead {
    const first = this.next();
    if (first.kind !== 'ident') {
      this.pos--;
      throw this.unexpected('expected rule head');
    }
    const ref: Term[] = [{ type: 'var', name: first.text, loc: first.loc }];
    for (;;) {
      if (this.isOp('.') && !this.tok.space) {
        this.next();
        if (this.tok.kind !== 'ident') throw this.unexpected('expected ident');
        const name = this.next();
        ref.push({ type: 'string', value: name.text, loc: name.loc });
      } else if (this.isOp('[') && !this.tok.space) {
        this.next();
        ref.push(this.term());
        this.expect(']');
      } else break;
    }
    let args: Term[] | undefined;
    if (this.isOp('(') && !this.tok.space) {
      this.next();
      args = [];
      if (!this.isOp(')')) {
        do args.push(this.term());
        while (this.accept(','));
      }
      this.expect(')');
    }
    let key: Term | undefined;
    let value: Term | undefined;
    let assign = false;
    if (this.isKw('contains')) {
      if (isDefault) throw parseError('default rules must not be multi-value', this.tok.loc);
      this.next();
      key = this.term();
    } else if (this.isOp(':=') || this.isOp('=')) {
      assign = this.next().text === ':=';
      value = this.term();
    }
    return { ref, args, key, value, assign, loc: first.loc };
  }

  private ruleBody(): Body {
    if (this.isOp('{')) {
      const start = this.pos;
      const open = this.next();
      try {
        const body = this.query(['}']);
        this.expect('}');
        if (body.length === 0) throw parseError('found empty body', open.loc);
        return body;
      } catch (e) {
        // `if {x: 1 | …}`: a single literal that starts with a brace (a comprehension or object).
        this.pos = start;
        try {
          return [this.literal()];
        } catch {
          throw e;
        }
      }
    }
    return [this.literal()];
  }

  // ---- queries and literals ------------------------------------------------------------------

  /** Literals until one of the end tokens (not consumed), separated by `;` or newlines. */
  query(end: string[]): Expr[] {
    const body: Expr[] = [];
    while (!this.atEnd(end)) {
      body.push(this.literal());
      while (this.accept(';'));
    }
    return body;
  }

  private atEnd(end: string[]): boolean {
    const t = this.tok;
    return t.kind === 'eof' || (t.kind === 'op' && end.includes(t.text));
  }

  private literal(): Expr {
    const t = this.tok;
    if (this.isKw('some')) return this.withMods(this.someDecl());
    if (this.isKw('every')) return this.withMods(this.every(false));
    if (this.isKw('not')) {
      this.next();
      if (this.isKw('every')) return this.withMods(this.every(true));
      if (this.regoV2 && this.isOp('{')) {
        const open = this.next();
        const body = this.scoped(false, () => this.query(['}']));
        this.expect('}');
        if (body.length === 0) throw parseError('found empty body', open.loc);
        return this.withMods({ kind: 'block', body, negated: true, with: [], loc: t.loc });
      }
      const e = this.expr();
      if (e.kind === 'some' || e.kind === 'somein') throw parseError('unexpected some keyword', t.loc);
      return this.withMods({ ...e, negated: true } as Expr);
    }
    return this.withMods(this.expr());
  }

  private withMods(e: Expr): Expr {
    if (!this.isKw('with')) return e;
    const mods: WithModifier[] = [];
    while (this.isKw('with')) {
      const w = this.next();
      const target = this.term();
      this.expect('as', 'expected as');
      const value = this.term();
      mods.push({ target, value, loc: w.loc });
    }
    return { ...e, with: mods } as Expr;
  }

  private expr(): Expr {
    const loc = this.tok.loc;
    const lhs = this.term(true);
    if (this.isOp(',')) {
      // `k, v` not followed by `in`: the only expression a comma may continue.
      this.next();
      this.termRelation();
      throw this.unexpected('expected in');
    }
    if (this.isOp(':=')) {
      this.next();
      return { kind: 'assign', lhs, rhs: this.term(true), negated: false, with: [], loc };
    }
    if (this.isOp('=')) {
      this.next();
      return { kind: 'unify', lhs, rhs: this.term(true), negated: false, with: [], loc };
    }
    return { kind: 'term', term: lhs, negated: false, with: [], loc };
  }

  private someDecl(): Expr {
    const kw = this.next();
    const first = this.termRelation();
    let second: Term | undefined;
    if (this.isOp(',')) {
      this.next();
      second = this.termRelation();
      if (this.isOp(',')) {
        // some x, y, z: a declaration of several vars
        const vars = [first, second];
        while (this.accept(',')) vars.push(this.termRelation());
        return { kind: 'some', vars: vars.map((v) => asVar(v)), negated: false, with: [], loc: kw.loc };
      }
    }
    if (this.isKw('in')) {
      this.next();
      const collection = this.termRelation();
      return second === undefined
        ? { kind: 'somein', key: undefined, value: first, collection, negated: false, with: [], loc: kw.loc }
        : { kind: 'somein', key: first, value: second, collection, negated: false, with: [], loc: kw.loc };
    }
    const vars = second === undefined ? [first] : [first, second];
    return { kind: 'some', vars: vars.map((v) => asVar(v)), negated: false, with: [], loc: kw.loc };
  }

  private every(negated: boolean): Expr {
    const kw = this.next();
    const first = this.termRelation();
    let key: Term | undefined;
    let value = first;
    if (this.accept(',')) {
      key = first;
      value = this.termRelation();
    }
    if (key && key.type !== 'var') throw parseError('unexpected term: every key must be a variable', key.loc);
    if (value.type !== 'var') throw parseError('unexpected term: every value must be a variable', value.loc);
    if (!this.isKw('in')) throw this.unexpected('expected in');
    this.next();
    const domain = this.termRelation();
    const open = this.expect('{');
    const body = this.query(['}']);
    this.expect('}');
    if (body.length === 0) throw parseError('found empty body', open.loc);
    return { kind: 'every', key, value, domain, body, negated, with: [], loc: kw.loc };
  }

  // ---- terms ---------------------------------------------------------------------------------

  /**
   * A term, including infix operators and `in`, which chains to the left (`a in b in c` tests
   * `(a in b) in c`). Where a comma cannot separate list items (`keyVal`: an expression, the
   * operands of `=`/`:=`, parentheses), `k, v in coll` is membership with a key, as in OPA.
   */
  term(keyVal = false): Term {
    let lhs = this.termRelation();
    for (;;) {
      if (keyVal && this.isOp(',')) {
        const mark = this.pos;
        this.next();
        const value = this.attempt(() => this.termRelation());
        if (value !== undefined && this.isKw('in')) {
          this.next();
          lhs = { type: 'call', op: ['internal', 'member_3'], args: [lhs, value, this.termRelation()], loc: lhs.loc };
          continue;
        }
        this.pos = mark;
      }
      if (!this.isKw('in')) return lhs;
      const t = this.next();
      lhs = { type: 'call', op: ['internal', 'member_2'], args: [lhs, this.termRelation()], infix: 'in', loc: t.loc };
    }
  }

  /** The result of a parse step, or undefined (and nothing consumed) if it fails. */
  private attempt<R>(f: () => R): R | undefined {
    const mark = this.pos;
    const depth = this.depth;
    try {
      return f();
    } catch (e) {
      if (!(e instanceof AutonomyError)) throw e;
      this.pos = mark;
      this.depth = depth;
      return undefined;
    }
  }

  private termRelation(): Term {
    let lhs = this.termOr();
    while (this.tok.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(this.tok.text)) {
      const op = this.next();
      lhs = this.infix(op, lhs, this.termOr());
    }
    return lhs;
  }
  private termOr(): Term {
    let lhs = this.termAnd();
    while (this.isOp('|') && !this.barEnds) lhs = this.infix(this.next(), lhs, this.termAnd());
    return lhs;
  }
  private termAnd(): Term {
    let lhs = this.termArith();
    while (this.isOp('&')) lhs = this.infix(this.next(), lhs, this.termArith());
    return lhs;
  }
  private termArith(): Term {
    let lhs = this.termFactor();
    while ((this.isOp('+') || this.isOp('-')) && !this.startsNegativeLiteral()) lhs = this.infix(this.next(), lhs, this.termFactor());
    return lhs;
  }
  /** A line that starts with `-1` starts a new expression; it does not subtract from the last line. */
  private startsNegativeLiteral(): boolean {
    return this.tok.text === '-' && this.tok.nl === true && this.peek().kind === 'number' && !this.peek().space;
  }

  private termFactor(): Term {
    let lhs = this.termPrimary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) lhs = this.infix(this.next(), lhs, this.termPrimary());
    return lhs;
  }
  /** Parses with `|` ending the term (first element of a collection) or not (everywhere else). */
  private scoped<R>(barEnds: boolean, f: () => R): R {
    const saved = this.barEnds;
    this.barEnds = barEnds;
    try {
      return f();
    } finally {
      this.barEnds = saved;
    }
  }

  private infix(op: Token, lhs: Term, rhs: Term): Term {
    return { type: 'call', op: [INFIX[op.text]!], args: [lhs, rhs], infix: op.text, loc: lhs.loc };
  }

  private termPrimary(): Term {
    const t = this.tok;
    // Deeply nested input must end in a parse error, never in a blown stack.
    if (++this.depth > MAX_DEPTH) throw parseError(`nesting deeper than ${MAX_DEPTH} levels`, t.loc);
    try {
      return this.termPrimaryInner(t);
    } finally {
      this.depth--;
    }
  }

  private termPrimaryInner(t: Token): Term {
    let term: Term;
    switch (t.kind) {
      case 'number':
        this.next();
        term = numberTerm(t.text, t.loc);
        break;
      case 'string':
        this.next();
        term = { type: 'string', value: t.text, loc: t.loc };
        break;
      case 'rawstring':
        this.next();
        term = { type: 'string', value: t.text, raw: true, loc: t.loc };
        break;
      case 'template':
        this.next();
        term = this.template(t);
        break;
      case 'ident':
        term = this.identTerm();
        break;
      case 'op':
        if (t.text === '-' && this.peek().kind === 'number' && !this.peek().space) {
          this.next();
          const n = this.next();
          term = numberTerm(`-${n.text}`, t.loc);
        } else if (t.text === '-') {
          this.next();
          const operand = this.termPrimary();
          term = { type: 'call', op: ['minus'], args: [{ type: 'number', value: 0, text: '0', loc: t.loc }, operand], infix: 'unary-', loc: t.loc };
        } else if (t.text === '[') term = this.arrayTerm();
        else if (t.text === '{') term = this.braceTerm();
        else if (t.text === '(') {
          this.next();
          term = this.scoped(false, () => this.term(true));
          this.expect(')');
        } else throw this.unexpected('expected term');
        break;
      default:
        throw this.unexpected('expected term');
    }
    return this.refSuffix(term);
  }

  private identTerm(): Term {
    const t = this.next();
    switch (t.text) {
      case 'true':
      case 'false':
        return { type: 'boolean', value: t.text === 'true', loc: t.loc };
      case 'null':
        return { type: 'null', loc: t.loc };
    }
    // `contains` is also a builtin's name: contains("abc", "b").
    const callable = t.text === 'contains' && this.isOp('(') && !this.tok.space;
    if (!callable && ['package', 'import', 'default', 'else', 'not', 'with', 'as', 'if', 'contains', 'in', 'some', 'every'].includes(t.text)) {
      throw parseError(`unexpected ${t.text} keyword`, t.loc);
    }
    const v: VarTerm = { type: 'var', name: t.text, loc: t.loc };
    // A dotted name followed by `(` is a call: count(x), strings.replace_n(…), data.lib.f(x).
    const names = [t.text];
    const save = this.pos;
    while (this.isOp('.') && !this.tok.space && this.peek().kind === 'ident' && !this.peek().space) {
      this.next();
      names.push(this.next().text);
    }
    if (this.isOp('(') && !this.tok.space) {
      return this.callArgs(names, t.loc);
    }
    this.pos = save;
    return v;
  }

  private callArgs(op: string[], loc: Loc): Term {
    this.expect('(');
    const args: Term[] = [];
    this.scoped(false, () => {
      while (!this.isOp(')')) {
        args.push(this.term());
        if (!this.accept(',')) break;
      }
    });
    this.expect(')');
    if (op.length === 1 && op[0] === 'set' && args.length === 0) return { type: 'set', items: [], loc };
    return { type: 'call', op, args, loc };
  }

  /** `.name` and `[term]` suffixes directly after a term make it a ref. */
  private refSuffix(head: Term): Term {
    const path: Term[] = [];
    for (;;) {
      if (this.isOp('.') && !this.tok.space) {
        this.next();
        if (this.tok.kind !== 'ident') throw this.unexpected('expected ident');
        const name = this.next();
        path.push({ type: 'string', value: name.text, loc: name.loc });
      } else if (this.isOp('[') && !this.tok.space) {
        this.next();
        path.push(this.scoped(false, () => this.term()));
        this.expect(']');
      } else if (this.isOp('(') && !this.tok.space && path.length > 0 && head.type === 'var' && path.every((p) => p.type === 'string')) {
        // data.lib["f"](x) style calls are not Rego; names were handled in identTerm.
        throw parseError('unexpected ( token', this.tok.loc);
      } else break;
    }
    if (path.length === 0) return head;
    if (head.type === 'ref') return { type: 'ref', head: head.head, path: [...head.path, ...path], loc: head.loc };
    return { type: 'ref', head, path, loc: head.loc };
  }

  private arrayTerm(): Term {
    const open = this.next();
    if (this.accept(']')) return { type: 'array', items: [], loc: open.loc };
    const first = this.scoped(true, () => this.term());
    if (this.accept('|')) {
      const body = this.scoped(false, () => this.query([']']));
      this.expect(']');
      return { type: 'arraycomp', term: first, body, loc: open.loc };
    }
    const items = [first];
    this.scoped(false, () => {
      while (this.accept(',')) {
        if (this.isOp(']')) break;
        items.push(this.term());
      }
    });
    this.expect(']', 'expected ] or ,');
    return { type: 'array', items, loc: open.loc };
  }

  private braceTerm(): Term {
    const open = this.next();
    if (this.accept('}')) return { type: 'object', entries: [], loc: open.loc };
    const first = this.scoped(true, () => this.term());
    if (this.accept(':')) {
      const value = this.scoped(true, () => this.term());
      if (this.accept('|')) {
        const body = this.scoped(false, () => this.query(['}']));
        this.expect('}');
        return { type: 'objectcomp', key: first, value, body, loc: open.loc };
      }
      const entries: [Term, Term][] = [[first, value]];
      this.scoped(false, () => {
        while (this.accept(',')) {
          if (this.isOp('}')) break;
          const k = this.term();
          this.expect(':');
          entries.push([k, this.term()]);
        }
      });
      this.expect('}', 'expected } or ,');
      return { type: 'object', entries, loc: open.loc };
    }
    if (this.accept('|')) {
      const body = this.scoped(false, () => this.query(['}']));
      this.expect('}');
      return { type: 'setcomp', term: first, body, loc: open.loc };
    }
    const items = [first];
    this.scoped(false, () => {
      while (this.accept(',')) {
        if (this.isOp('}')) break;
        items.push(this.term());
      }
    });
    this.expect('}', 'expected } or ,');
    return { type: 'set', items, loc: open.loc };
  }

  private template(t: Token): Term {
    const raw = t.raw!;
    const parts: (string | Expr)[] = [];
    let text = '';
    let i = 0;
    const isRaw = t.text === '`';
    while (i < raw.length) {
      const c = raw[i]!;
      // Braces escaped with a backslash are text: `\{` in both kinds of template, `\}` in "…" ones.
      if (c === '\\' && (raw[i + 1] === '{' || (!isRaw && raw[i + 1] === '}'))) {
        text += raw[i + 1];
        i += 2;
        continue;
      }
      if (!isRaw && c === '\\') {
        const len = raw[i + 1] === 'u' ? 6 : 2;
        text += scanString(`"${raw.slice(i, i + len)}"`, 0, t.loc).value;
        i += len;
        continue;
      }
      if (c === '{') {
        const close = matchBrace(raw, i);
        if (close < 0) throw parseError('non-terminated template expression', t.loc);
        if (text) parts.push(text);
        text = '';
        const inner = raw.slice(i + 1, close);
        const sub = new Parser(tokenize(inner, this.file).map((k) => ({ ...k, loc: t.loc })), this.file);
        const e = sub.literal();
        sub.expectEnd();
        parts.push(e);
        i = close + 1;
        continue;
      }
      text += c;
      i++;
    }
    if (text) parts.push(text);
    return { type: 'template', parts, loc: t.loc };
  }
}

function matchBrace(raw: string, i: number): number {
  let depth = 0;
  for (let j = i; j < raw.length; j++) {
    const c = raw[j];
    if (c === '"') {
      j = scanString(raw, j, { file: '', row: 0, col: 0 }).end - 1;
      continue;
    }
    if (c === '`') {
      j = raw.indexOf('`', j + 1);
      if (j < 0) return -1;
      continue;
    }
    if (c === '$' && raw[j + 1] === '"') {
      // nested template: skip to its closing quote, honouring its own braces
      let k = j + 2;
      while (k < raw.length && raw[k] !== '"') {
        if (raw[k] === '\\') k++;
        else if (raw[k] === '{') {
          k = matchBrace(raw, k);
          if (k < 0) return -1;
        }
        k++;
      }
      j = k;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

function numberTerm(text: string, loc: Loc): Term {
  return { type: 'number', value: parseNumber(text), text, loc };
}

function asVar(t: Term): VarTerm {
  if (t.type !== 'var') throw parseError('expected variable in some declaration', t.loc);
  return t;
}

function isRefHead(h: RuleHead): boolean {
  return h.ref.length > 1;
}

/** A ref of var + string keys as a path of names (package paths, import paths). */
export function refToPath(t: Term): string[] | undefined {
  if (t.type === 'var') return [t.name];
  if (t.type !== 'ref' || t.head.type !== 'var') return undefined;
  const out = [t.head.name];
  for (const p of t.path) {
    if (p.type !== 'string') return undefined;
    out.push(p.value);
  }
  return out;
}

export type { RefTerm };
