// The web console's cost: rendering the fleet table (the live region a browser polls every
// second) for N nodes, against the baseline of the admin API's JSON for the same fleet in the
// same run; and the scrypt cost of one sign-in.
//   npm run bench -- console [--nodes 1000] [--rounds 50]
import { parseArgs } from 'node:util';
import { AdminClient, newAdminToken, startOrchestrator } from '../src/adk/orchestrator/index.ts';
import { hashPassword, verifyPassword } from '../src/adk/orchestrator/auth/passwords.ts';
import { printResult, quantile, round } from './lib/report.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '50' } } });
const N = Number(values.nodes);
const ROUNDS = Number(values.rounds);
const PASSWORD = 'correct horse battery staple';

const token = newAdminToken();
const orch = await startOrchestrator({ db: ':memory:', adminToken: token, tickMs: 0, log: () => undefined });
const t0 = Date.now();
for (let i = 0; i < N; i++) {
  await orch.store.createToken({ hash: `h${i}`, labels: { env: 'prod', site: `s${i % 7}` }, createdAt: t0, expiresAt: t0 + 3_600_000, usedAt: null, usedBy: null }, []);
  await orch.store.enroll(`h${i}`, { id: `node-${String(i).padStart(6, '0')}`, publicKey: 'pem' }, t0, () => []);
}
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
const page = await sample(() => fetch(`${orch.url}/console/fleet/live`, { headers: { cookie } }).then((r) => r.text()));
const api = await sample(() => fetch(`${orch.url}/v1/admin/nodes`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text()));
const hash = await hashPassword(PASSWORD);
const scrypt = await sample(() => verifyPassword(PASSWORD, hash), 10);
await orch.close();

const med = (xs: number[]): number => round(quantile(xs, 0.5), 2);
process.stdout.write(`fleet of ${N}: console fleet table ${med(page)} ms (p90 ${round(quantile(page, 0.9), 2)}), admin API JSON ${med(api)} ms; scrypt verify ${med(scrypt)} ms\n`);
printResult({
  name: 'console_fleet_table', unit: 'ms', value: med(page), baseline: 'admin API /v1/admin/nodes JSON, same fleet', baseline_value: med(api), better: 'lower',
  nodes: N, scrypt_verify_ms: med(scrypt),
});
