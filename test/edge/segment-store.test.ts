// The store's rules, run once against each backend (memory and files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, existsSync, mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { sha256Hex } from '../../src/common/hash.ts';
import { FileBlobs, MemoryBlobs, SegmentStore, type Blobs } from '../../src/edge/segment-store.ts';
import { openFlagsByPath } from '../common/open-flags.ts';

const backends: [string, () => Blobs][] = [
  ['memory', () => new MemoryBlobs()],
  ['file', () => new FileBlobs(mkdtempSync(join(tmpdir(), 'edge-store-')))],
];

const seg = (s: string): [string, Buffer] => [sha256Hex(s), Buffer.from(s)];
const code = (c: string) => (e: Error & { code?: string }) => e.code === c;

for (const [name, make] of backends) {
  test(`${name}: put verifies the address, stores once, repeats are idempotent`, async () => {
    const store = new SegmentStore(make(), 1000);
    const [h, b] = seg('hello');
    assert.equal(await store.put(h, b), 'stored');
    assert.equal(await store.put(h, b), 'exists');
    assert.equal(store.usedBytes(), 5);
    assert.deepEqual(await store.get(h), b);
    await assert.rejects(store.put(h, Buffer.from('tampered')), code('digest_mismatch'));
    await assert.rejects(store.put('xyz', b), code('bad_request'));
    await assert.rejects(store.get(sha256Hex('absent')), code('segment_not_found'));
  });

  test(`${name}: the ceiling refuses at write time, counting writes in progress`, async () => {
    const store = new SegmentStore(make(), 10);
    const [h1, b1] = seg('123456');
    const [h2, b2] = seg('abcdef');
    const first = store.put(h1, b1);
    // The first write is not finished, yet its bytes are already promised.
    await assert.rejects(store.put(h2, b2), code('disk_ceiling'));
    await first;
    await assert.rejects(store.put(h2, b2), code('disk_ceiling'));
    // A repeat of a stored segment needs no room.
    assert.equal(await store.put(h1, b1), 'exists');
    await store.remove(h1);
    assert.equal(store.usedBytes(), 0);
    assert.equal(await store.put(h2, b2), 'stored');
  });

  test(`${name}: concurrent puts of one segment write it once`, async () => {
    const store = new SegmentStore(make(), 100);
    const [h, b] = seg('same');
    const outcomes = await Promise.all([store.put(h, b), store.put(h, b), store.put(h, b)]);
    assert.deepEqual(outcomes.sort(), ['exists', 'exists', 'stored']);
    assert.equal(store.usedBytes(), 4);
  });
}

test('file: segments survive a reopen; temp leftovers are cleared; a corrupted file is never served', async () => {
  const root = mkdtempSync(join(tmpdir(), 'edge-store-'));
  const [h, b] = seg('durable');
  await new SegmentStore(new FileBlobs(root), 100).put(h, b);
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(join(root, 'tmp', 'half-written'), 'x');
  const again = new SegmentStore(new FileBlobs(root), 100);
  assert.deepEqual(again.list(), [{ hash: h, size: 7 }]);
  assert.equal(again.usedBytes(), 7);
  assert.deepEqual(readdirSync(join(root, 'tmp')), []);
  writeFileSync(join(root, 'segments', h), 'rotten!');
  await assert.rejects(again.get(h), code('segment_corrupt'));
  await again.remove(h);
  assert.equal(existsSync(join(root, 'segments', h)), false);
});

test('file: a segment is written through a spare temp file opened O_DSYNC, and close removes the spares', { skip: process.platform !== 'linux' }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'edge-store-'));
  const blobs = new FileBlobs(root);
  const [h, b] = seg('durable');
  await new SegmentStore(blobs, 1000).put(h, b);
  // The write left a spare for the next one: created ahead, open, empty, O_DSYNC.
  const spares = [...openFlagsByPath()].filter(([p]) => p.startsWith(join(root, 'tmp')));
  assert.equal(spares.length, 1);
  assert.equal(spares[0]![1] & constants.O_DSYNC, constants.O_DSYNC);
  assert.deepEqual(readdirSync(join(root, 'segments')), [h]);
  await blobs.close();
  assert.deepEqual(readdirSync(join(root, 'tmp')), []);
  assert.equal([...openFlagsByPath().keys()].filter((p) => p.startsWith(root)).length, 0, 'no descriptor left open');
});

test('recently stored segments are relayed from memory (bounded), verified bytes only, forgotten on removal', async () => {
  const blobs: Blobs = new MemoryBlobs();
  let reads = 0;
  const counting: Blobs = { list: () => blobs.list(), write: (h, b) => blobs.write(h, b), read: (h, n) => (reads++, blobs.read(h, n)), stream: (h) => blobs.stream(h), remove: (h) => blobs.remove(h) };
  const store = new SegmentStore(counting, 1 << 30);
  const mib = (i: number): [string, Buffer] => {
    const b = Buffer.alloc(1024 * 1024, i);
    return [sha256Hex(b), b];
  };
  const [h0, b0] = mib(0);
  const kept = Buffer.from(b0);
  await store.put(h0, b0);
  b0.fill(0xff); // the caller reuses its buffer: the store kept a copy
  assert.deepEqual(await store.read(h0), kept);
  assert.equal(reads, 0, 'read from memory');
  // 32 MiB more pushes the first one out; it is then read from the blobs.
  for (let i = 1; i <= 32; i++) await store.put(...mib(i));
  assert.deepEqual(await store.read(h0), kept);
  assert.equal(reads, 1);
  const [h32] = mib(32);
  await store.read(h32);
  assert.equal(reads, 1, 'the newest is still in memory');
  // Larger segments are not kept (the relay streams them from the file).
  const big = Buffer.alloc(1024 * 1024 + 1, 7);
  await store.put(sha256Hex(big), big);
  await store.read(sha256Hex(big));
  assert.equal(reads, 2);
  await store.remove(h32);
  await assert.rejects(store.read(h32), code('segment_not_found'));
});
