// `npm run bench -- policy-eval`: one tool-call decision evaluated in-process on varied inputs.
// Baselines in the same run: the same logic hand-written in TypeScript, and the same policy in
// Cedar (@cedar-policy/cedar-wasm, policies pre-parsed once).
import { readFileSync } from 'node:fs';
import { compile } from '../src/adk/policy/index.ts';
import { ObjectValue, type Value } from '../src/adk/policy/value.ts';
import { printResult, quantile, round } from './lib/report.ts';

const dir = new URL('./fixtures/', import.meta.url);
const data = {
  tools: { allowed: ['move', 'read_file', 'write_file', 'grip', 'scan'] },
  workspace: '/workspace/',
  roles: { operator: { tools: ['move', 'grip', 'scan', 'read_file', 'write_file'] }, observer: { tools: ['scan', 'read_file'] } },
  agents: { 'robot-1': { roles: ['operator'] }, 'robot-2': { roles: ['observer'] }, 'robot-3': { roles: ['observer', 'operator'] } },
};

interface Input {
  tool: string;
  agent: { id: string };
  args: { velocity?: number; path?: string };
}

// Deterministic varied inputs (a fixed linear congruential sequence, not Math.random).
function inputs(n: number): Input[] {
  const tools = ['move', 'read_file', 'write_file', 'grip', 'scan', 'shell'];
  const agents = ['robot-1', 'robot-2', 'robot-3'];
  const paths = ['/workspace/map.json', '/etc/passwd', '/workspace/logs/run.txt', '/tmp/x'];
  let s = 12345;
  const next = (m: number): number => ((s = (s * 1103515245 + 12345) % 2147483648), s % m);
  return Array.from({ length: n }, () => {
    const tool = tools[next(tools.length)]!;
    const args: Input['args'] = tool === 'move' ? { velocity: next(40) / 10 } : tool.endsWith('_file') ? { path: paths[next(paths.length)]! } : {};
    return { tool, agent: { id: agents[next(agents.length)]! }, args };
  });
}

/** The same decision written by hand: the baseline an interpreter is measured against. */
function handWritten(input: Input): { allow: boolean; deny: string[] } {
  const deny: string[] = [];
  if (input.tool === 'move' && (input.args.velocity ?? 0) > 2.0) deny.push('velocity over 2.0 m/s');
  if ((input.tool === 'write_file' || input.tool === 'read_file') && !(input.args.path ?? '').startsWith(data.workspace)) deny.push('path outside workspace');
  const roles = data.agents[input.agent.id as keyof typeof data.agents]?.roles ?? [];
  const rolePermits = roles.some((r) => data.roles[r as keyof typeof data.roles].tools.includes(input.tool));
  return { allow: data.tools.allowed.includes(input.tool) && rolePermits && deny.length === 0, deny };
}

const policy = compile([{ file: 'authz.rego', text: readFileSync(new URL('authz.rego', dir), 'utf8') }], data);
const prepared = policy.prepare('data.autonomy.authz');
function ours(input: Input): boolean {
  const rows = policy.eval(prepared, { input });
  const v = rows[0]?.expressions[0];
  return v instanceof ObjectValue && v.get('allow') === true && (v.get('deny') as { size: number } | undefined)?.size === 0;
}

const cedar = await import('@cedar-policy/cedar-wasm/nodejs');
const pre = cedar.preparsePolicySet('authz', { staticPolicies: readFileSync(new URL('authz.cedar', dir), 'utf8') });
if (pre.type !== 'success') throw new Error(`cedar policy: ${JSON.stringify(pre)}`);
const entities = Object.entries(data.agents).map(([id, a]) => ({
  uid: { type: 'Agent', id },
  attrs: { tools: [...new Set(a.roles.flatMap((r) => data.roles[r as keyof typeof data.roles].tools))] },
  parents: [],
}));
function viaCedar(input: Input): boolean {
  const context: Record<string, unknown> = { tool: input.tool, allowed_tools: data.tools.allowed, path: input.args.path ?? '', velocity: { __extn: { fn: 'decimal', arg: (input.args.velocity ?? 0).toFixed(4) } } };
  const r = cedar.statefulIsAuthorized({
    principal: { type: 'Agent', id: input.agent.id },
    action: { type: 'Action', id: input.tool },
    resource: { type: 'Tool', id: input.tool },
    context: context as never,
    preparsedPolicySetId: 'authz',
    entities,
  });
  if (r.type !== 'success') throw new Error(`cedar: ${JSON.stringify(r.errors)}`);
  return r.response.decision === 'allow';
}

const samples = inputs(2000);
// The three must agree before their speed means anything.
let disagreements = 0;
for (const i of samples) {
  const h = handWritten(i).allow;
  if (ours(i) !== h || viaCedar(i) !== h) disagreements++;
}
if (disagreements > 0) throw new Error(`${disagreements} inputs decided differently`);

function measure(name: string, f: (i: Input) => unknown, rounds: number): { p50: number; p99: number } {
  for (let r = 0; r < 3; r++) for (const i of samples) f(i); // warm up
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const i of samples) {
      const t0 = process.hrtime.bigint();
      f(i);
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  const out = { p50: round(quantile(times, 0.5), 3), p99: round(quantile(times, 0.99), 3) };
  process.stdout.write(`${name.padEnd(14)} p50 ${out.p50.toFixed(3).padStart(8)} µs   p99 ${out.p99.toFixed(3).padStart(8)} µs   (${times.length} evaluations)\n`);
  return out;
}

process.stdout.write(`policy-eval: ${samples.length} varied inputs, all three agree on every decision\n`);
const ts = measure('hand-written', handWritten, 20);
const rego = measure('autonomy rego', ours, 10);
const ced = measure('cedar-wasm', viaCedar, 5);
process.stdout.write(`rego / cedar p50: ${round(rego.p50 / ced.p50, 3)}   rego / hand-written p50: ${round(rego.p50 / ts.p50, 2)}\n`);
void ({} as Value);
printResult({
  name: 'policy-eval',
  unit: 'us_p50',
  value: rego.p50,
  baseline: 'cedar-wasm',
  baseline_value: ced.p50,
  better: 'lower',
  p99: rego.p99,
  cedar_p99: ced.p99,
  handwritten_p50: ts.p50,
  ratio_vs_handwritten: round(rego.p50 / ts.p50, 2),
});
