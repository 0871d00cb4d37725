// Static checks behind INV-02 and INV-10, shared by the invariant tests. They read source with
// the TypeScript parser so that comments and strings never count as code.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const SOURCE_EXT = /\.(ts|mts|js|mjs)$/;

/** Every source file below dir (recursively); none if dir does not exist. */
export function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (SOURCE_EXT.test(entry.name)) out.push(p);
  }
  return out.sort();
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

/** Module specifiers a file imports or re-exports, static or dynamic. */
export function importsOf(file: string): string[] {
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      // A computed dynamic import could reach anything; report it so the check cannot be dodged.
      specs.push(arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed>');
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(file));
  return specs;
}

function resolveRelative(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

export interface BoundaryViolation {
  /** The import chain from an edge file to the forbidden module, repo-relative. */
  chain: string[];
}

/**
 * INV-10: files under src/edge/ must not reach src/adk/runtime, src/adk/policy or
 * src/adk/orchestrator through any chain of imports.
 */
export function findBoundaryViolations(repo: string): BoundaryViolation[] {
  const forbidden = ['runtime', 'policy', 'orchestrator'].map((d) => resolve(repo, 'src', 'adk', d) + sep);
  const violations: BoundaryViolation[] = [];
  for (const start of sourceFiles(join(repo, 'src', 'edge'))) {
    const seen = new Set<string>([start]);
    const queue: string[][] = [[start]];
    while (queue.length > 0) {
      const chain = queue.shift()!;
      const file = chain[chain.length - 1]!;
      for (const spec of importsOf(file)) {
        if (spec === '<computed>') {
          violations.push({ chain: [...chain, spec].map((p) => (p.startsWith('<') ? p : relative(repo, p))) });
          continue;
        }
        const target = resolveRelative(file, spec);
        if (!target || seen.has(target)) continue;
        seen.add(target);
        const next = [...chain, target];
        if (forbidden.some((f) => target.startsWith(f))) violations.push({ chain: next.map((p) => relative(repo, p)) });
        else queue.push(next);
      }
    }
  }
  return violations;
}

export interface RandomnessUse {
  file: string;
  line: number;
  what: string;
}

const RANDOM_NAMES = new Set(['random', 'randomBytes', 'randomInt', 'randomUUID', 'randomFill', 'randomFillSync', 'getRandomValues', 'pseudoRandomBytes']);

/**
 * INV-02: no PRNG and no jitter in the edge relay. Flags Math.random, every node:crypto random*
 * function (called, imported or referenced), and any identifier that names jitter.
 */
export function findRandomness(repo: string): RandomnessUse[] {
  const uses: RandomnessUse[] = [];
  for (const file of sourceFiles(join(repo, 'src', 'edge'))) {
    const sf = parse(file);
    const report = (node: ts.Node, what: string): void => {
      uses.push({ file: relative(repo, file), line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, what });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) {
        const name = node.text;
        if (name === 'random' ? isMathMember(node.parent, node) : RANDOM_NAMES.has(name)) report(node, name === 'random' ? 'Math.random' : name);
        else if (/jitter/i.test(name)) report(node, name);
      } else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && RANDOM_NAMES.has(node.argumentExpression.text)) {
        // obj['randomBytes'] dodges the identifier check; catch it here.
        const name = node.argumentExpression.text;
        report(node, name === 'random' ? 'Math.random' : name);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return uses;
}

function isMathMember(parent: ts.Node, name: ts.Identifier): boolean {
  return ts.isPropertyAccessExpression(parent) && parent.name === name && ts.isIdentifier(parent.expression) && parent.expression.text === 'Math';
}
