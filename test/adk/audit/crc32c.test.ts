import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc32c } from '../../../src/adk/audit/crc32c.ts';

test('CRC-32C matches the published check values', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});

test('CRC-32C can be computed in pieces and over a range', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (bytes, cut) => {
      const buf = Buffer.from(bytes);
      const k = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
      assert.equal(crc32c(buf, crc32c(buf, 0, 0, k), k), crc32c(buf));
      const padded = Buffer.concat([Buffer.from([1, 2, 3]), buf, Buffer.from([4])]);
      assert.equal(crc32c(padded, 0, 3, 3 + buf.length), crc32c(buf));
    }),
  );
});
