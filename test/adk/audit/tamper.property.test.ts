// INV-04: every single mutation of an honest, closed WAL is detected by verify; honest WALs
// always verify. The one change the design cannot see locally — cutting whole runs off the end
// at a `stop, checkpoint` boundary (docs/wal.md, "Verification") — is excluded explicitly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { openWal, verifyWal } from '../../../src/adk/audit/index.ts';
import { decodeFrames, encodeFrames } from '../../../src/adk/audit/frame.ts';
import { decodeRecord, encodeRecord, type WalRecord } from '../../../src/adk/audit/record.ts';
import { checkpointMessage } from '../../../src/adk/audit/checkpoint.ts';
import { generateKeyPair, keyId, loadPrivateKey, sign } from '../../../src/common/ed25519.ts';
import { decision, nodeKey, segmentFiles, tempState } from './helpers.ts';

interface Seg {
  name: string;
  frames: { bytes: Buffer; text: string }[];
}

/** Writes an honest WAL of `runs` runs and returns its segments, parsed. */
async function honestWal(dir: string, key: KeyObject, runs: number[][], segmentBytes: number, checkpointEvery: number): Promise<Seg[]> {
  let i = 0;
  for (const bursts of runs) {
    const wal = await openWal({ dir, key, segmentBytes, checkpointEvery });
    for (const burst of bursts) await Promise.all(Array.from({ length: burst }, () => wal.append(decision(i++))));
    await wal.close();
  }
  return segmentFiles(dir).map((name) => {
    const buf = readFileSync(join(dir, name));
    const { frames, damage } = decodeFrames(buf);
    assert.equal(damage, null);
    return { name, frames: frames.map((f) => ({ bytes: buf.subarray(f.offset, f.offset + (f.payload.length + 15 & ~7)), text: f.payload.toString('utf8') })) };
  });
}

const files = (segs: Seg[]): Map<string, Buffer> => new Map(segs.map((s) => [s.name, Buffer.concat(s.frames.map((f) => f.bytes))]));
const hashOf = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const frameOf = (r: WalRecord) => {
  const text = encodeRecord(r);
  return { text, bytes: encodeFrames([text]) };
};

let scratch = 0;
async function verifies(state: string, pub: KeyObject, out: Map<string, Buffer>): Promise<boolean> {
  const dir = join(state, `m${scratch++}`);
  mkdirSync(dir);
  for (const [name, bytes] of out) writeFileSync(join(dir, name), bytes);
  try {
    return (await verifyWal(dir, { publicKey: pub })).ok;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true });
  }
}

type Mutation =
  | { t: 'flip'; seg: number; at: number; bit: number }
  | { t: 'delete'; rec: number }
  | { t: 'duplicate'; rec: number; to: number }
  | { t: 'insert'; rec: number; to: number }
  | { t: 'swap'; a: number; b: number }
  | { t: 'replace'; rec: number }
  | { t: 'rechain'; rec: number; resign: boolean }
  | { t: 'truncate'; seg: number; at: number; dropLater: boolean }
  | { t: 'deleteSegment'; seg: number }
  | { t: 'swapSegments'; a: number; b: number };

/** Applies a mutation; null when it is a no-op or the excluded whole-run cut. */
function mutate(segs: Seg[], m: Mutation, attacker: KeyObject): Map<string, Buffer> | null {
  const s = segs.map((x) => ({ name: x.name, frames: [...x.frames] }));
  const flat = s.flatMap((x, si) => x.frames.map((_, fi) => [si, fi] as const));
  const at = (k: number) => flat[k % flat.length]!;
  const recAt = (k: number) => {
    const [si, fi] = at(k);
    return decodeRecord(s[si]!.frames[fi]!.text);
  };
  const put = (k: number, r: WalRecord) => {
    const [si, fi] = at(k);
    s[si]!.frames[fi] = frameOf(r);
  };
  const changed = (r: WalRecord): WalRecord => (r.tool !== undefined ? { ...r, tool: `${r.tool}x` } : { ...r, time: String(BigInt(r.time) + 1n) });
  switch (m.t) {
    case 'flip': {
      const out = files(s);
      const name = s[m.seg % s.length]!.name;
      const buf = Buffer.from(out.get(name)!);
      buf[m.at % buf.length]! ^= 1 << m.bit;
      out.set(name, buf);
      return out;
    }
    case 'delete': {
      const [si, fi] = at(m.rec);
      s[si]!.frames.splice(fi, 1);
      return files(s);
    }
    case 'duplicate':
    case 'insert': {
      const [si, fi] = at(m.rec);
      const [ti, tj] = at(m.to);
      const copy = m.t === 'duplicate' ? s[si]!.frames[fi]! : frameOf(changed(recAt(m.rec)));
      s[ti]!.frames.splice(tj + 1, 0, copy);
      return files(s);
    }
    case 'swap': {
      const [ai, aj] = at(m.a);
      const [bi, bj] = at(m.b);
      if (ai === bi && aj === bj) return null;
      const x = s[ai]!.frames[aj]!;
      s[ai]!.frames[aj] = s[bi]!.frames[bj]!;
      s[bi]!.frames[bj] = x;
      return files(s);
    }
    case 'replace':
      put(m.rec, changed(recAt(m.rec)));
      return files(s);
    case 'rechain': {
      // The attacker rewrites one record and repairs the chain after it, but holds no node key.
      const start = m.rec % flat.length;
      const attackerId = keyId(createPublicKey(attacker));
      let prev: string | null = null;
      for (let k = start; k < flat.length; k++) {
        let r = recAt(k);
        if (k === start) r = changed(r);
        if (prev !== null) r = { ...r, prev_hash: prev };
        if (r.kind === 'checkpoint' && m.resign) {
          const signature = sign(attacker, checkpointMessage(r.epoch, r.seq - 1, r.prev_hash, r.time)).toString('base64');
          r = { ...r, detail: { ...r.detail, key_id: attackerId, signature } };
        }
        put(k, r);
        prev = hashOf(encodeRecord(r));
      }
      return files(s);
    }
    case 'truncate': {
      const si = m.seg % s.length;
      const out = files(s);
      const name = s[si]!.name;
      const full = out.get(name)!;
      const cut = m.at % (full.length + 1);
      const isLast = m.dropLater || si === s.length - 1;
      if (cut === full.length && isLast) return null;
      if (isLast && endsARun(s[si]!, cut)) return null;
      out.set(name, full.subarray(0, cut));
      if (m.dropLater) for (const later of s.slice(si + 1)) out.delete(later.name);
      return out;
    }
    case 'deleteSegment': {
      const out = files(s);
      out.delete(s[m.seg % s.length]!.name);
      return out;
    }
    case 'swapSegments': {
      const a = s[m.a % s.length]!.name;
      const b = s[m.b % s.length]!.name;
      if (a === b) return null;
      const out = files(s);
      const x = out.get(a)!;
      out.set(a, out.get(b)!);
      out.set(b, x);
      return out;
    }
  }
}

// True iff cutting the segment at byte `cut` leaves a log whose last records are stop, checkpoint.
function endsARun(seg: Seg, cut: number): boolean {
  let off = 0;
  for (let i = 0; i < seg.frames.length; i++) {
    off += seg.frames[i]!.bytes.length;
    if (off === cut) return i >= 1 && decodeRecord(seg.frames[i]!.text).kind === 'checkpoint' && decodeRecord(seg.frames[i - 1]!.text).kind === 'stop';
  }
  return false;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ t: fc.constant('flip' as const), seg: fc.nat(), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ t: fc.constant('delete' as const), rec: fc.nat() }),
  fc.record({ t: fc.constant('duplicate' as const), rec: fc.nat(), to: fc.nat() }),
  fc.record({ t: fc.constant('insert' as const), rec: fc.nat(), to: fc.nat() }),
  fc.record({ t: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ t: fc.constant('replace' as const), rec: fc.nat() }),
  fc.record({ t: fc.constant('rechain' as const), rec: fc.nat(), resign: fc.boolean() }),
  fc.record({ t: fc.constant('truncate' as const), seg: fc.nat(), at: fc.nat(), dropLater: fc.boolean() }),
  fc.record({ t: fc.constant('deleteSegment' as const), seg: fc.nat() }),
  fc.record({ t: fc.constant('swapSegments' as const), a: fc.nat(), b: fc.nat() }),
);

test('every single mutation of an honest WAL is detected by verify', async () => {
  const state = tempState('tamper-');
  const { key, pub } = nodeKey(state);
  const dir = join(state, 'wal');
  const segs = await honestWal(dir, key, [[1, 3, 2, 5, 1], [4, 1, 2]], 1500, 6);
  assert.ok(segs.length >= 4, `${segs.length} segments`);
  assert.equal(await verifies(state, pub, files(segs)), true);
  const attacker = loadPrivateKey(generateKeyPair().privatePem);
  await fc.assert(
    fc.asyncProperty(mutation, async (m) => {
      const out = mutate(segs, m, attacker);
      fc.pre(out !== null);
      assert.equal(await verifies(state, pub, out!), false, `undetected: ${JSON.stringify(m)}`);
    }),
    { numRuns: 600 },
  );
});

test('an honest WAL always verifies, whatever its shape', async () => {
  const state = tempState('honest-');
  const { key, pub } = nodeKey(state);
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 5 }), { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 600, max: 5000 }),
      fc.integer({ min: 1, max: 20 }),
      async (runs, segmentBytes, checkpointEvery) => {
        const dir = join(state, `h${n++}`);
        await honestWal(dir, key, runs, segmentBytes, checkpointEvery);
        const report = await verifyWal(dir, { publicKey: pub });
        assert.equal(report.ok, true, JSON.stringify(report.problem));
        assert.equal(report.unsealed, 0);
      },
    ),
    { numRuns: 25 },
  );
});

test('without a public key verify checks the chain but says signatures were not checked', async () => {
  const state = tempState('nokey-');
  const { key } = nodeKey(state);
  const dir = join(state, 'wal');
  const segs = await honestWal(dir, key, [[3, 3]], 100_000, 4);
  const report = await verifyWal(dir);
  assert.equal(report.ok, true);
  assert.equal(report.signaturesChecked, false);
  const attacker = loadPrivateKey(generateKeyPair().privatePem);
  const replaced = mutate(segs, { t: 'replace', rec: 3 }, attacker)!;
  const scratchDir = join(state, 'replaced');
  mkdirSync(scratchDir);
  for (const [name, bytes] of replaced) writeFileSync(join(scratchDir, name), bytes);
  assert.equal((await verifyWal(scratchDir)).ok, false);
});
