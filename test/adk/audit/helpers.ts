// Shared test scaffolding for the WAL: temporary state directories, a node key, decisions.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { loadOrCreateKey } from '../../../src/common/ed25519.ts';
export { decision } from './helpers-data.ts';

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

/** Segment file names of a WAL directory, in order. */
export function segmentFiles(walDir: string): string[] {
  return readdirSync(walDir).filter((n) => n.endsWith('.wal')).sort();
}

/** Every segment's bytes, by name. */
export function snapshot(walDir: string): Map<string, Buffer> {
  return new Map(segmentFiles(walDir).map((n) => [n, readFileSync(join(walDir, n))]));
}
