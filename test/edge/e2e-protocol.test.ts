// The peer protocol against a real edged: each refusal has its status code on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, loadPrivateKey } from '../../src/common/ed25519.ts';
import { sha256Hex } from '../../src/common/hash.ts';
import { ManualClock, systemClock } from '../../src/edge/clock.ts';
import { RequestSigner } from '../../src/edge/protocol.ts';
import { Cluster, waitFor } from './cluster.ts';

/** PUT with exactly these headers and body (so a test can make them disagree). */
function rawPut(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, code: text.startsWith('{"error"') ? (JSON.parse(text) as { error: { code: string } }).error.code : undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('unknown peer 403, bad signature 401, tampered body 422, replay 409, stale 401, disk ceiling 507', { timeout: 60_000 }, async () => {
  const c = await Cluster.create([
    { id: 'a', peers: ['b'] },
    { id: 'b', peers: ['a'], extra: { disk_ceiling_bytes: 100_000 } },
  ]);
  try {
    await c.start('b');
    const aKey = loadPrivateKey(readFileSync(join(c.dir, 'keys', 'a.key'), 'utf8'));
    const asA = new RequestSigner('a', aKey, systemClock);
    const put = (signer: RequestSigner, body: Buffer, sent: Buffer = body) => {
      const path = `/v1/segments/${sha256Hex(body)}`;
      return rawPut(`${c.url('b')}${path}`, signer.headers('PUT', path, 'b', body), sent);
    };
    const body = Buffer.alloc(60_000, 1);

    const stranger = new RequestSigner('mallory', loadPrivateKey(generateKeyPair().privatePem), systemClock);
    assert.deepEqual(await put(stranger, body), { status: 403, code: 'peer_unknown' });
    const impostor = new RequestSigner('a', loadPrivateKey(generateKeyPair().privatePem), systemClock);
    assert.deepEqual(await put(impostor, body), { status: 401, code: 'signature_invalid' });
    const tampered = Buffer.from(body);
    tampered[100] = 2;
    assert.deepEqual(await put(asA, body, tampered), { status: 422, code: 'digest_mismatch' });
    const old = new RequestSigner('a', aKey, new ManualClock(Date.now() - 10 * 60_000));
    assert.deepEqual(await put(old, body), { status: 401, code: 'request_stale' });

    // The same request twice: the first stores, the copy is refused as a replay.
    const path = `/v1/segments/${sha256Hex(body)}`;
    const headers = asA.headers('PUT', path, 'b', body);
    assert.deepEqual(await rawPut(`${c.url('b')}${path}`, headers, body), { status: 201, code: undefined });
    assert.deepEqual(await rawPut(`${c.url('b')}${path}`, headers, body), { status: 409, code: 'request_replayed' });
    // A fresh repeat delivery is idempotent.
    assert.deepEqual(await put(asA, body), { status: 200, code: undefined });

    // 60 kB stored of 100 kB: another 60 kB is refused at write time.
    assert.deepEqual(await put(asA, Buffer.alloc(60_000, 3)), { status: 507, code: 'disk_ceiling' });
    const metrics = await (await fetch(`${c.url('b')}/metrics`)).text();
    for (const code of ['peer_unknown', 'signature_invalid', 'digest_mismatch', 'request_stale', 'request_replayed', 'disk_ceiling']) {
      assert.match(metrics, new RegExp(`^edge_rejected_requests_total\\{code="${code}"\\} 1$`, 'm'));
    }
    // The local put path is held to the same ceiling, with a clear message and exit code 2.
    const big = join(c.dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(60_000, 4));
    const r = c.edgectl('b', 'put', big);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^edgectl: disk_ceiling: storing 60000 bytes would exceed disk_ceiling_bytes \(100000/);
    // A control call signed by a peer, not by the node itself, is refused.
    const ctlPath = '/v1/local/status';
    const res = await fetch(`${c.url('b')}${ctlPath}`, { headers: asA.headers('GET', ctlPath, 'b') });
    assert.equal(res.status, 403);
  } finally {
    await c.cleanup();
  }
});

test('one root, one daemon; a busy port is a clear error', { timeout: 30_000 }, async () => {
  const c = await Cluster.create([{ id: 'a', peers: [] }]);
  try {
    await c.start('a');
    const again = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'edged.js'), '--config', c.config('a')], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(again.status, 2);
    assert.match(again.stderr, /root_locked: .* is in use by edged process \d+/);
    const other = join(c.dir, 'other.yaml');
    writeFileSync(other, readFileSync(c.config('a'), 'utf8').replace('"root": "./a"', '"root": "./other"'));
    const busy = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'edged.js'), '--config', other], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(busy.status, 2);
    assert.match(busy.stderr, /listen_failed: .*EADDRINUSE/);
    // A SIGKILLed daemon leaves its lock behind; the next start takes it over.
    await c.kill('a');
    await c.start('a');
  } finally {
    await c.cleanup();
  }
});

test('retention removes a fully acked segment from the sender once it is old enough', { timeout: 30_000 }, async () => {
  const c = await Cluster.create([
    { id: 'a', peers: ['b'], extra: { retention: '300ms' } },
    { id: 'b', peers: ['a'] },
  ]);
  try {
    await Promise.all([c.start('a'), c.start('b')]);
    const r = JSON.parse((await c.control('a').call('POST', '/v1/local/segments', Buffer.from('short-lived'))).body.toString()) as { hash: string };
    await waitFor('the segment to expire on a', () => c.ledger('a').some((x) => x.op === 'evict' && x.hash === r.hash));
    assert.deepEqual(c.states('a').get(`${r.hash}@b`), 'Acked');
    // The eviction is logged before the file goes (write-ahead), so the unlink may trail it.
    await waitFor('the evicted file to be removed on a', () => !existsSync(join(c.root('a'), 'segments', r.hash)));
    // The receiver keeps it: its own retention is 'forever'.
    assert.equal(existsSync(join(c.root('b'), 'segments', r.hash)), true);
  } finally {
    await c.cleanup();
  }
});
