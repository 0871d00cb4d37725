// Test harness for real edged processes on loopback: keys, configs with free ports, start,
// SIGKILL, restart, edgectl, and a reader for each node's ledger file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateKeyPair } from '../../src/common/ed25519.ts';
import { loadConfig } from '../../src/edge/config.ts';
import { ControlClient } from '../../src/edge/control-client.ts';
import type { LedgerRecord } from '../../src/edge/ledger.ts';

const bin = resolve(import.meta.dirname, '..', '..', 'bin');

/** One node's settings; peers are the ids it knows. */
export interface NodeSpec {
  id: string;
  peers: string[];
  extra?: Record<string, unknown>;
}

/** A free loopback port (closed again before use; collisions are unlikely enough for tests). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export class Cluster {
  readonly dir: string;
  readonly ports = new Map<string, number>();
  readonly procs = new Map<string, ChildProcess>();
  readonly stderr = new Map<string, string>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(specs: NodeSpec[], defaults: Record<string, unknown> = {}): Promise<Cluster> {
    const c = new Cluster(mkdtempSync(join(tmpdir(), 'edge-e2e-')));
    mkdirSync(join(c.dir, 'keys'));
    for (const s of specs) {
      const pair = generateKeyPair();
      writeFileSync(join(c.dir, 'keys', `${s.id}.key`), pair.privatePem, { mode: 0o600 });
      writeFileSync(join(c.dir, 'keys', `${s.id}.pub`), pair.publicPem);
      c.ports.set(s.id, await freePort());
    }
    for (const s of specs) {
      const config = {
        node_id: s.id,
        root: `./${s.id}`,
        listen: `127.0.0.1:${c.ports.get(s.id)}`,
        disk_ceiling_bytes: '64MiB',
        max_retries: 2,
        backoff: ['20ms', '40ms'],
        retention: 'forever',
        key_file: `keys/${s.id}.key`,
        ...defaults,
        ...s.extra,
        known_peers: s.peers.map((p) => ({ id: p, address: `http://127.0.0.1:${c.ports.get(p)}`, public_key_file: `keys/${p}.pub` })),
      };
      writeFileSync(c.config(s.id), JSON.stringify(config, null, 2));
    }
    return c;
  }

  config(id: string): string {
    return join(this.dir, `${id}.yaml`);
  }

  root(id: string): string {
    return join(this.dir, id);
  }

  url(id: string): string {
    return `http://127.0.0.1:${this.ports.get(id)}`;
  }

  /** Starts edged for a node and resolves once it listens. */
  async start(id: string): Promise<void> {
    const p = spawn(process.execPath, [join(bin, 'edged.js'), '--config', this.config(id)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.set(id, p);
    this.stderr.set(id, '');
    p.stderr.on('data', (d: Buffer) => this.stderr.set(id, this.stderr.get(id) + d.toString()));
    await new Promise<void>((res, rej) => {
      let out = '';
      const timer = setTimeout(() => rej(new Error(`edged ${id} did not start: ${this.stderr.get(id)}`)), 15_000);
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('listening on')) {
          clearTimeout(timer);
          res();
        }
      });
      p.once('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`edged ${id} exited with ${code}: ${this.stderr.get(id)}`));
      });
    });
  }

  /** Sends a signal and waits for the process to end. */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const p = this.procs.get(id);
    if (!p || p.exitCode !== null || p.signalCode !== null) return p?.exitCode ?? null;
    const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
    p.kill(signal);
    this.procs.delete(id);
    return exited;
  }

  /** Runs edgectl against a node's config. */
  edgectl(id: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
    return spawnSync(process.execPath, [join(bin, 'edgectl.js'), '--config', this.config(id), ...args], { encoding: 'utf8' });
  }

  /** A control client in this process (fast; for bulk puts). */
  control(id: string): ControlClient {
    return new ControlClient(loadConfig(this.config(id)));
  }

  /**
   * The node's ledger records as written: complete lines only, as the daemon reads them at
   * start (a line without its newline is a write in progress, or a torn tail it cuts off).
   */
  ledger(id: string): LedgerRecord[] {
    const f = join(this.root(id), 'ledger.jsonl');
    if (!existsSync(f)) return [];
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.pop();
    return lines.map((l) => JSON.parse(l) as LedgerRecord);
  }

  /** The latest state of every entry per the ledger file. */
  states(id: string): Map<string, string> {
    const m = new Map<string, string>();
    for (const r of this.ledger(id)) {
      if (r.op === 'entry') m.set(`${r.segment}@${r.peer}`, r.state ?? 'Scheduled');
      else if (r.op === 'state') m.set(r.id, r.to);
    }
    return m;
  }

  async cleanup(): Promise<void> {
    for (const id of [...this.procs.keys()]) await this.kill(id);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls until pred holds; fails with `what` after the timeout. */
export async function waitFor(what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
