// The real file system under the WAL: a write is its own fdatasync because segments are opened
// O_DSYNC. Linux shows an open file's flags in /proc/self/fdinfo, so the test reads them there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFs, type WalFile } from '../../../src/adk/audit/fs-seam.ts';
import { tempState } from './helpers.ts';
import { openFlags } from '../../common/open-flags.ts';

test('segment files are opened O_DSYNC, created and reopened alike', { skip: process.platform !== 'linux' }, async () => {
  const dir = tempState();
  const path = join(dir, 'seg.wal');
  const files: WalFile[] = [];
  try {
    files.push(await nodeFs.createFile(path, 0o600));
    assert.equal(openFlags(path) & constants.O_DSYNC, constants.O_DSYNC, 'created file');
    await files[0]!.write(Buffer.from('x'), 0);
    await files.pop()!.close();
    files.push(await nodeFs.openFile(path));
    assert.equal(openFlags(path) & constants.O_DSYNC, constants.O_DSYNC, 'reopened file');
    assert.equal(openFlags(path) & 3, constants.O_RDWR, "opened for reading and writing");
  } finally {
    for (const f of files) await f.close();
  }
});

test('a write lands whole at its position, past the end of the file too', async () => {
  const dir = tempState();
  const path = join(dir, 'seg.wal');
  const f = await nodeFs.createFile(path, 0o600);
  try {
    await f.write(Buffer.alloc(8, 0x61), 0);
    await f.write(Buffer.alloc(4, 0x62), 16);
    await f.write(Buffer.alloc(2, 0x63), 2);
    assert.equal(await f.size(), 20);
  } finally {
    await f.close();
  }
  assert.deepEqual([...readFileSync(path)], [0x61, 0x61, 0x63, 0x63, ...Array(4).fill(0x61), ...Array(8).fill(0), ...Array(4).fill(0x62)]);
});
