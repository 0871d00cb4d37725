// The load generator of `bench decide`, run in its own process: C workers, each a keep-alive
// connection sending one POST after another for a fixed time. Prints one JSON line of results.
// Usage: node bench/lib/http-load.ts URL TOKEN CONCURRENCY WARMUP_MS MEASURE_MS BODY_JSON
import { Agent, request } from 'node:http';

const [url, token, c, warmup, measure, body] = process.argv.slice(2);
const concurrency = Number(c);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url!);
const payload = Buffer.from(body!);
const headers = { 'content-type': 'application/json', 'content-length': payload.length, authorization: `Bearer ${token}` };

function once(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        // Only a real allow counts: a fast deny (no policy, a failing WAL) must not pass for speed.
        const body = Buffer.concat(chunks).toString();
        if (res.statusCode === 200 && body.startsWith('{"decision":"allow"')) resolve(res.statusCode);
        else reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const samples: number[] = [];
let measuring = false;
let stop = false;
let count = 0;

async function worker(): Promise<void> {
  while (!stop) {
    const t0 = performance.now();
    await once();
    if (measuring) {
      samples.push(performance.now() - t0);
      count++;
    }
  }
}

const workers = Array.from({ length: concurrency }, () => worker());
await new Promise((r) => setTimeout(r, Number(warmup)));
measuring = true;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, Number(measure)));
measuring = false;
const seconds = (performance.now() - t0) / 1000;
stop = true;
await Promise.all(workers);
agent.destroy();
samples.sort((a, b) => a - b);
const q = (p: number): number => samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)]!;
process.stdout.write(`${JSON.stringify({ count, seconds, rps: count / seconds, p50: q(0.5), p99: q(0.99) })}\n`);
