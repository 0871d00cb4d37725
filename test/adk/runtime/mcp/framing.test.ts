// Line framing under a size limit, and reading the id of a message cut short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineReader, scanTopLevelId, type Frame } from '../../../../src/adk/runtime/mcp/framing.ts';

function frames(limit: number, chunks: string[]): Frame[] {
  const out: Frame[] = [];
  const r = new LineReader(limit, (f) => out.push(f));
  for (const c of chunks) r.push(Buffer.from(c));
  return out;
}

const lines = (fs: Frame[]): string[] => fs.map((f) => (f.kind === 'line' ? f.bytes.toString() : `<oversized ${f.prefix.toString()}>`));

test('lines split across and within chunks; CRLF and blank lines carry nothing extra', () => {
  assert.deepEqual(lines(frames(100, ['{"a"', ':1}\n{"b":2}\r\n\n{"c"', ':3}\n{"d"'])), ['{"a":1}', '{"b":2}', '{"c":3}']);
});

test('a line over the limit becomes one oversized frame, and the next line is whole again', () => {
  const fs = frames(8, ['0123', '45678', '9abc\n', 'ok\n']);
  assert.deepEqual(lines(fs), ['<oversized 012345678>', 'ok']);
  const first = fs[0]!;
  assert.equal(first.kind === 'oversized' && first.limit, 8);
  // Exactly at the limit is fine.
  assert.deepEqual(lines(frames(8, ['01234567\n'])), ['01234567']);
});

test('partial says whether a message was cut off by the end of the stream', () => {
  const r = new LineReader(100, () => undefined);
  r.push(Buffer.from('{"a":1}\n'));
  assert.equal(r.partial, false);
  r.push(Buffer.from('{"b"'));
  assert.equal(r.partial, true);
});

test('scanTopLevelId finds the top-level id of a cut-off message, not a nested one', () => {
  assert.equal(scanTopLevelId(Buffer.from('{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"arguments":{"content":"xxxx')), 42);
  assert.equal(scanTopLevelId(Buffer.from('{"params":{"id":1,"s":"\\"}{"},"id":"abc","method"')), 'abc');
  assert.equal(scanTopLevelId(Buffer.from('{"method":"id","params":{"id":3')), null);
  assert.equal(scanTopLevelId(Buffer.from('not json')), null);
});
