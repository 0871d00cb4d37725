import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { checkName, readArchive, readBundle, writeArchive } from '../../../src/adk/bundle/archive.ts';
import { rawTarGz, tempDir } from './helpers.ts';

test("a tar entry with '..' is refused", () => {
  assert.throws(() => readArchive(rawTarGz([{ path: 'a/../../etc/passwd', body: 'x' }])), { code: 'bundle_unsafe_path', message: /'\.\.'/ });
  assert.throws(() => readArchive(rawTarGz([{ path: '../x.rego', body: 'x' }])), { code: 'bundle_unsafe_path' });
});

test('absolute tar entries: OPA\'s "/name" means the bundle root; other absolute forms are refused', () => {
  // `opa build` writes '/data.json'; it names a file inside the bundle, never /data.json on disk.
  assert.deepEqual([...readArchive(rawTarGz([{ path: '/data.json', body: '{}' }])).keys()], ['data.json']);
  assert.throws(() => readArchive(rawTarGz([{ path: '//etc/passwd', body: 'x' }])), { code: 'bundle_unsafe_path', message: /absolute/ });
  assert.throws(() => readArchive(rawTarGz([{ path: 'C:/Windows/x.rego', body: 'x' }])), { code: 'bundle_unsafe_path', message: /Windows/ });
  assert.throws(() => readArchive(rawTarGz([{ path: 'a\\..\\b.rego', body: 'x' }])), { code: 'bundle_unsafe_path' });
  assert.throws(() => readArchive(rawTarGz([{ path: 'a//b.rego', body: 'x' }])), { code: 'bundle_unsafe_path' });
});

test('symbolic and hard links are refused', () => {
  assert.throws(() => readArchive(rawTarGz([{ path: 'data.json', type: 'SymbolicLink', linkpath: '/etc/passwd' }])), { code: 'bundle_link_entry', message: /symbolic link/ });
  assert.throws(() => readArchive(rawTarGz([{ path: 'a.rego', body: 'package a' }, { path: 'b.rego', type: 'Link', linkpath: 'a.rego' }])), { code: 'bundle_link_entry', message: /hard link/ });
});

test('other entry types (FIFO) are refused', () => {
  assert.throws(() => readArchive(rawTarGz([{ path: 'pipe', type: 'FIFO' }])), { code: 'bundle_archive_invalid' });
});

test('a gzip bomb is stopped at the decompressed size limit', () => {
  // 64 MiB of zeros compresses to ~64 KiB.
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
  assert.ok(bomb.length < 200_000);
  assert.throws(() => readArchive(bomb, { maxBytes: 8 * 1024 * 1024 }), { code: 'bundle_too_large' });
});

test('too many entries are refused', () => {
  const entries = Array.from({ length: 20 }, (_, i) => ({ path: `f${i}.txt`, body: 'x' }));
  assert.throws(() => readArchive(rawTarGz(entries), { maxEntries: 10 }), { code: 'bundle_too_large' });
});

test('duplicate entries (also after normalisation) are refused', () => {
  assert.throws(() => readArchive(rawTarGz([{ path: 'p.rego', body: 'package a' }, { path: 'p.rego', body: 'package b' }])), { code: 'bundle_duplicate_entry' });
  assert.throws(() => readArchive(rawTarGz([{ path: '/p.rego', body: 'package a' }, { path: './p.rego', body: 'package b' }])), { code: 'bundle_duplicate_entry' });
});

test('not gzip, not tar, and a nested gzip stream are refused', () => {
  assert.throws(() => readArchive(Buffer.from('not gzip at all')), { code: 'bundle_archive_invalid' });
  assert.throws(() => readArchive(gzipSync(Buffer.from('x'.repeat(600)))), { code: 'bundle_archive_invalid' });
  assert.throws(() => readArchive(gzipSync(gzipSync(Buffer.alloc(10_000)))), { code: 'bundle_archive_invalid', message: /nested gzip/ });
});

test('a directory bundle with a symbolic link is refused', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.rego'), 'package a');
  symlinkSync('/etc/passwd', join(dir, 'data.json'));
  assert.throws(() => readBundle(dir), { code: 'bundle_link_entry' });
});

test('a missing path is a clear error', () => {
  assert.throws(() => readBundle('/nonexistent/bundle.tar.gz'), { code: 'bundle_not_found' });
});

test('directory and archive forms read the same files', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'x', 'y'), { recursive: true });
  writeFileSync(join(dir, '.manifest'), '{"revision":"1"}');
  writeFileSync(join(dir, 'x', 'y', 'data.json'), '{"a":1}');
  const fromDir = readBundle(dir);
  const fromTar = readArchive(writeArchive(fromDir));
  assert.deepEqual(fromTar, fromDir);
});

test('property: writeArchive then readArchive is the identity, and archives are deterministic', () => {
  const seg = fc.stringMatching(/^[a-z0-9_.-]{1,40}$/).filter((s) => s !== '.' && s !== '..');
  const name = fc.array(seg, { minLength: 1, maxLength: 4 }).map((a) => a.join('/'));
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(name, fc.uint8Array({ maxLength: 2000 })), { selector: (t) => t[0], minLength: 1, maxLength: 8 }), (entries) => {
      // A name may not be both a file and a directory.
      const names = entries.map((e) => e[0]);
      fc.pre(!names.some((a) => names.some((b) => b.startsWith(`${a}/`))));
      const files = new Map(entries.map(([n, b]) => [n, Buffer.from(b)]));
      const a = writeArchive(files);
      assert.deepEqual(readArchive(a), files);
      assert.deepEqual(writeArchive(files), a);
    }),
    { numRuns: 60 },
  );
});

test('checkName normalises ./ and a trailing slash', () => {
  assert.equal(checkName('./a/b.rego'), 'a/b.rego');
  assert.equal(checkName('/a/'), 'a');
});

test('a truncated archive is refused, never read as a shorter file', () => {
  const tarBytes = gunzipSync(rawTarGz([{ path: 'data.json', body: 'x'.repeat(5000) }]));
  assert.throws(() => readArchive(gzipSync(tarBytes.subarray(0, 2048))), { code: 'bundle_archive_invalid' });
});
