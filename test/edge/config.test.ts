// edge.yaml validation: a good file parses; each kind of mistake names its field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateKeyPair } from '../../src/common/ed25519.ts';
import { parseConfig, parseDuration, parseSize } from '../../src/edge/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'edge-config-'));
const me = generateKeyPair();
const peer = generateKeyPair();
writeFileSync(join(dir, 'a.key'), me.privatePem);
writeFileSync(join(dir, 'b.pub'), peer.publicPem);
const file = join(dir, 'edge.yaml');

const good = {
  node_id: 'a',
  root: './state',
  listen: '127.0.0.1:7400',
  disk_ceiling_bytes: '1MiB',
  max_retries: 3,
  backoff: ['100ms', '1s', '5s'],
  retention: '7d',
  key_file: 'a.key',
  known_peers: [{ id: 'b', address: 'http://127.0.0.1:7401/', public_key_file: 'b.pub' }, { id: 'c', address: 'http://10.0.0.3:7400', public_key: peer.publicPem }],
};

const yaml = (o: Record<string, unknown>): string => JSON.stringify(o); // JSON is YAML

test('a complete config parses, resolving paths against the file and units to numbers', () => {
  const c = parseConfig(yaml(good), file);
  assert.equal(c.nodeId, 'a');
  assert.equal(c.root, join(dir, 'state'));
  assert.equal(c.listenHost, '127.0.0.1');
  assert.equal(c.listenPort, 7400);
  assert.equal(c.diskCeilingBytes, 1024 * 1024);
  assert.deepEqual(c.backoffMs, [100, 1000, 5000]);
  assert.equal(c.retentionMs, 7 * 86_400_000);
  assert.deepEqual(c.knownPeers.map((p) => [p.id, p.address]), [['b', 'http://127.0.0.1:7401'], ['c', 'http://10.0.0.3:7400']]);
  assert.equal(c.maxInflightPerPeer, 4);
  assert.equal(parseConfig(yaml({ ...good, retention: 'forever' }), file).retentionMs, null);
});

test('durations and sizes', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration(40), 40);
  assert.equal(parseDuration('5 parsecs'), undefined);
  assert.equal(parseSize('64KiB'), 65536);
  assert.equal(parseSize('1GB'), 1e9);
  assert.equal(parseSize(10), 10);
  assert.equal(parseSize('lots'), undefined);
});

// [what is wrong, the change, the field the message must name]
const bad: [string, Record<string, unknown>, RegExp][] = [
  ['missing node_id', { node_id: undefined }, /node_id: required/],
  ['bad node_id', { node_id: 'a b' }, /node_id:/],
  ['missing root', { root: undefined }, /root: required/],
  ['listen without port', { listen: 'localhost' }, /listen: expected host:port/],
  ['ceiling not a size', { disk_ceiling_bytes: 'big' }, /disk_ceiling_bytes: expected a positive byte count/],
  ['negative retries', { max_retries: -1 }, /max_retries: expected an integer >= 0/],
  ['backoff not a list', { backoff: '1s' }, /backoff: expected a non-empty list/],
  ['backoff bad item', { backoff: ['1s', 'soon'] }, /backoff\[1\]: expected a duration/],
  ['missing retention', { retention: undefined }, /retention: required/],
  ['missing key file', { key_file: 'nope.key' }, /key_file: cannot read .*ENOENT/],
  ['key file not a key', { key_file: 'b.pub' }, /key_file: .*not a PEM private key/],
  ['peers not a list', { known_peers: {} }, /known_peers: expected a list/],
  ['peer address', { known_peers: [{ id: 'b', address: 'tcp://x:1', public_key_file: 'b.pub' }] }, /known_peers\[0\]\.address: expected http:\/\/host:port/],
  ['peer with both keys', { known_peers: [{ id: 'b', address: 'http://x:1', public_key_file: 'b.pub', public_key: peer.publicPem }] }, /known_peers\[0\]: give exactly one/],
  ['peer bad pem', { known_peers: [{ id: 'b', address: 'http://x:1', public_key: 'garbage' }] }, /known_peers\[0\]\.public_key: .*not a PEM public key/],
  ['duplicate peer', { known_peers: [{ id: 'b', address: 'http://x:1', public_key_file: 'b.pub' }, { id: 'b', address: 'http://x:2', public_key_file: 'b.pub' }] }, /known_peers\[1\]\.id: duplicate/],
  ['peer is self', { known_peers: [{ id: 'a', address: 'http://x:1', public_key_file: 'b.pub' }] }, /known_peers\[0\]\.id: .*own node_id/],
  ['unknown field', { retries: 3 }, /retries: unknown field/],
  ['unknown peer field', { known_peers: [{ id: 'b', address: 'http://x:1', public_key_file: 'b.pub', key: 1 }] }, /known_peers\[0\]\.key: unknown field/],
];

for (const [what, change, message] of bad) {
  test(`config error names the field: ${what}`, () => {
    assert.throws(() => parseConfig(yaml({ ...good, ...change }), file), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'config_invalid');
      assert.match(e.message, message);
      return true;
    });
  });
}

test('YAML syntax errors carry a location', () => {
  assert.throws(() => parseConfig('node_id: [a\n', file), (e: Error & { code?: string; location?: unknown }) => e.code === 'config_invalid' && e.location !== undefined);
});
