// The web console's cost: rendering the fleet table (the live region a browser polls every
// second: one page of 100 nodes under counts of the whole fleet) for fleets of 1,000 and
// 10,000 nodes, against the baseline of the admin API's JSON for the same fleet in the same run;
// and the scrypt cost of one sign-in. The RESULT line is the largest fleet's.
//   npm run bench -- console [--nodes 1000,10000] [--rounds 30]
import { parseArgs } from 'node:util';
import { AdminClient, newAdminToken, startOrchestrator } from '../src/adk/orchestrator/index.ts';
import { hashPassword, verifyPassword } from '../src/adk/orchestrator/auth/passwords.ts';
import { printResult, quantile, round } from './lib/report.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '1000,10000' }, rounds: { type: 'string', default: '30' } } });
const SIZES = values.nodes.split(',').map(Number).sort((a, b) => a - b);
const ROUNDS = Number(values.rounds);
const PASSWORD = 'correct horse battery staple';

const token = newAdminToken();
const orch = await startOrchestrator({ db: ':memory:', adminToken: token, tickMs: 0, log: () => undefined });
const admin = new AdminClient(orch.url, token);
await admin.json('POST', '/v1/admin/operators', { name: 'bench', role: 'viewer', password: PASSWORD });
const login = await fetch(`${orch.url}/console/login`, {
  method: 'POST', redirect: 'manual', headers: { origin: orch.url, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name: 'bench', password: PASSWORD }),
});
const cookie = login.headers.get('set-cookie')!.split(';')[0]!;

/** Per-request milliseconds over ROUNDS rounds, after one warm-up. */
async function sample(get: () => Promise<unknown>, rounds = ROUNDS): Promise<number[]> {
  await get();
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    await get();
    out.push(performance.now() - s);
  }
  return out;
}
const med = (xs: number[]): number => round(quantile(xs, 0.5), 2);

const t0 = Date.now();
let enrolled = 0;
const figures: { nodes: number; table: number; api: number }[] = [];
for (const n of SIZES) {
  // The fleet grows from one size to the next: the same store, more nodes.
  for (; enrolled < n; enrolled++) {
    await orch.store.createToken({ hash: `h${enrolled}`, labels: { env: 'prod', site: `s${enrolled % 7}` }, createdAt: t0, expiresAt: t0 + 3_600_000, usedAt: null, usedBy: null }, []);
    await orch.store.enroll(`h${enrolled}`, { id: `node-${String(enrolled).padStart(6, '0')}`, publicKey: 'pem' }, t0, () => []);
  }
  const table = await sample(() => fetch(`${orch.url}/console/fleet/live`, { headers: { cookie } }).then((r) => r.text()));
  const api = await sample(() => fetch(`${orch.url}/v1/admin/nodes`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text()));
  figures.push({ nodes: n, table: med(table), api: med(api) });
  process.stdout.write(`fleet of ${n}: console fleet table ${med(table)} ms (p90 ${round(quantile(table, 0.9), 2)}), admin API JSON ${med(api)} ms\n`);
}
const hash = await hashPassword(PASSWORD);
const scrypt = await sample(() => verifyPassword(PASSWORD, hash), 10);
await orch.close();
process.stdout.write(`scrypt verify ${med(scrypt)} ms\n`);

const last = figures.at(-1)!;
printResult({
  name: 'console_fleet_table', unit: 'ms', value: last.table, baseline: 'admin API /v1/admin/nodes JSON, same fleet', baseline_value: last.api, better: 'lower',
  nodes: last.nodes, by_fleet: figures, scrypt_verify_ms: med(scrypt),
});
