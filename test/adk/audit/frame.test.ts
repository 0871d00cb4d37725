// The frame decoder byte by byte: a torn tail is told apart from damage before the tail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrames, encodeFrames, frameSize } from '../../../src/adk/audit/frame.ts';

const texts = ['{"a":1}', '{"b":"' + 'x'.repeat(37) + '"}', '{"c":"é"}'];

test('frames are 8-aligned, zero-padded, and decode to their payloads', () => {
  const buf = encodeFrames(texts);
  const { frames, damage } = decodeFrames(buf);
  assert.equal(damage, null);
  assert.deepEqual(frames.map((f) => f.payload.toString('utf8')), texts);
  for (const f of frames) assert.equal(f.offset % 8, 0);
  assert.equal(buf.length % 8, 0);
  assert.equal(frameSize(1), 16);
  assert.equal(frameSize(8), 16);
});

test('cutting the bytes anywhere inside the last frame is a torn tail at its start', () => {
  const buf = encodeFrames(texts);
  const lastStart = frameSize(Buffer.byteLength(texts[0]!)) + frameSize(Buffer.byteLength(texts[1]!));
  for (let cut = lastStart + 1; cut < buf.length; cut++) {
    const { frames, damage } = decodeFrames(buf.subarray(0, cut));
    assert.equal(frames.length, 2, `cut at ${cut}`);
    assert.equal(damage?.offset, lastStart);
    assert.equal(damage?.atTail, true);
    assert.match(damage!.problem, /^short_(header|payload)$/);
  }
});

test('zeros after the last frame are preallocated space; a torn frame before them is still a torn tail', () => {
  const buf = encodeFrames(texts);
  const padded = Buffer.concat([buf, Buffer.alloc(4096)]);
  const clean = decodeFrames(padded);
  assert.equal(clean.damage, null);
  assert.equal(clean.frames.length, 3);
  assert.equal(clean.end, buf.length);
  const torn = Buffer.concat([buf.subarray(0, buf.length - 9), Buffer.alloc(4096)]);
  const t = decodeFrames(torn);
  assert.equal(t.frames.length, 2);
  assert.equal(t.damage?.atTail, true);
  assert.equal(t.damage?.problem, 'crc_mismatch');
  const gap = Buffer.concat([buf, Buffer.alloc(64), Buffer.from([1])]);
  assert.equal(decodeFrames(gap).damage?.offset, buf.length);
});

test('any flipped bit is caught; only in the last frame can it look like a torn tail', () => {
  const buf = encodeFrames(texts);
  const lastStart = frameSize(Buffer.byteLength(texts[0]!)) + frameSize(Buffer.byteLength(texts[1]!));
  fc.assert(
    fc.property(fc.nat({ max: buf.length - 1 }), fc.nat({ max: 7 }), (at, bit) => {
      const bad = Buffer.from(buf);
      bad[at]! ^= 1 << bit;
      const { damage } = decodeFrames(bad);
      assert.notEqual(damage, null);
      if (at < lastStart) assert.equal(damage!.atTail, false);
    }),
    { numRuns: 300 },
  );
});
