// Shared test scaffolding for the WAL: temporary state directories, a node key, decisions.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { loadOrCreateKey } from '../../../src/common/ed25519.ts';
import type { AppendInput } from '../../../src/adk/audit/index.ts';

/** A fresh state directory, removed when the test file ends. */
export function tempState(prefix = 'wal-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The node key of a state directory (created on first use) and its public half. */
export function nodeKey(stateDir: string): { key: KeyObject; pub: KeyObject } {
  const key = loadOrCreateKey(stateDir, 'node');
  return { key, pub: createPublicKey(key) };
}

/** A decision record of roughly 300-500 bytes. */
export function decision(i: number, extra: Partial<AppendInput> = {}): AppendInput {
  return {
    kind: 'decision',
    decision_id: `dec-${i}`,
    tool: i % 3 === 0 ? 'shell.exec' : 'fs.read',
    args: { path: `/srv/data/${i}.json`, mode: 'r', attempt: i % 5, flags: ['a', 'b'] },
    decision: i % 4 === 0 ? 'deny' : 'allow',
    reasons: i % 4 === 0 ? ['path outside sandbox'] : [],
    revision: 'r42',
    digest: 'sha256:' + 'ab'.repeat(32),
    agent: { id: 'agent-7' },
    latency_ns: 1000 + i,
    ...extra,
  };
}

/** Segment file names of a WAL directory, in order. */
export function segmentFiles(walDir: string): string[] {
  return readdirSync(walDir).filter((n) => n.endsWith('.wal')).sort();
}

/** Every segment's bytes, by name. */
export function snapshot(walDir: string): Map<string, Buffer> {
  return new Map(segmentFiles(walDir).map((n) => [n, readFileSync(join(walDir, n))]));
}
