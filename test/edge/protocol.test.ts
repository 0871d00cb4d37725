// The peer protocol without sockets: each refusal has its code and status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, loadPrivateKey, loadPublicKey } from '../../src/common/ed25519.ts';
import { ManualClock } from '../../src/edge/clock.ts';
import { EdgeErrors } from '../../src/edge/errors.ts';
import { canonical, Header, RequestSigner, RequestVerifier } from '../../src/edge/protocol.ts';

const a = generateKeyPair();
const stranger = generateKeyPair();
const clock = new ManualClock(1_700_000_000_000);
const signer = new RequestSigner('a', loadPrivateKey(a.privatePem), clock);
const newVerifier = () => new RequestVerifier('b', new Map([['a', loadPublicKey(a.publicPem)]]), 30_000, clock);
const path = `/v1/segments/${'0'.repeat(64)}`;

function refusal(f: () => unknown): { code: string; status: number } {
  try {
    f();
  } catch (e) {
    const code = (e as { code: keyof typeof EdgeErrors }).code;
    return { code, status: EdgeErrors[code] };
  }
  assert.fail('expected a refusal');
}

test('a signed request from a known peer is accepted and its body checked against the signed digest', () => {
  const v = newVerifier();
  const h = signer.headers('PUT', path, 'b', 'bytes');
  const ok = v.verify('PUT', path, h);
  assert.deepEqual(ok.peer, 'a');
  RequestVerifier.checkBody(ok, Buffer.from('bytes'));
  assert.deepEqual(refusal(() => RequestVerifier.checkBody(ok, Buffer.from('bytez'))), { code: 'digest_mismatch', status: 422 });
});

test('each kind of bad request gets its own code and status', () => {
  const v = newVerifier();
  const h = signer.headers('PUT', path, 'b', 'x');
  assert.deepEqual(refusal(() => v.verify('PUT', path, { ...h, [Header.peer]: 'mallory' })), { code: 'peer_unknown', status: 403 });
  const forged = new RequestSigner('a', loadPrivateKey(stranger.privatePem), clock).headers('PUT', path, 'b', 'x');
  assert.deepEqual(refusal(() => v.verify('PUT', path, forged)), { code: 'signature_invalid', status: 401 });
  // Any signed field changed in transit breaks the signature.
  assert.deepEqual(refusal(() => v.verify('PUT', `/v1/segments/${'1'.repeat(64)}`, h)), { code: 'signature_invalid', status: 401 });
  assert.deepEqual(refusal(() => v.verify('POST', path, h)), { code: 'signature_invalid', status: 401 });
  assert.deepEqual(refusal(() => v.verify('PUT', path, { ...h, [Header.digest]: '2'.repeat(64) })), { code: 'signature_invalid', status: 401 });
  assert.deepEqual(refusal(() => v.verify('PUT', path, { ...h, [Header.timestamp]: String(clock.now() + 5) })), { code: 'signature_invalid', status: 401 });
  // Signed for another node: valid signature, wrong recipient.
  const toC = signer.headers('PUT', path, 'c', 'x');
  assert.deepEqual(refusal(() => v.verify('PUT', path, toC)), { code: 'signature_invalid', status: 401 });
  const { [Header.signature]: _, ...unsigned } = h;
  assert.deepEqual(refusal(() => v.verify('PUT', path, unsigned)), { code: 'bad_request', status: 400 });
});

test('stale and replayed requests are refused', () => {
  const v = newVerifier();
  const h = signer.headers('PUT', path, 'b', 'x');
  clock.advance(31_000);
  assert.deepEqual(refusal(() => v.verify('PUT', path, h)), { code: 'request_stale', status: 401 });
  const fresh = signer.headers('PUT', path, 'b', 'x');
  v.verify('PUT', path, fresh);
  assert.deepEqual(refusal(() => v.verify('PUT', path, fresh)), { code: 'request_replayed', status: 409 });
  // Once out of the window the signature is forgotten, and the request is stale instead.
  clock.advance(60_000);
  assert.deepEqual(refusal(() => v.verify('PUT', path, fresh)), { code: 'request_stale', status: 401 });
});

test('a signer never repeats a timestamp, so two identical requests differ', () => {
  const still = new ManualClock(5);
  const s = new RequestSigner('a', loadPrivateKey(a.privatePem), still);
  const h1 = s.headers('PUT', path, 'b', 'x');
  const h2 = s.headers('PUT', path, 'b', 'x');
  assert.notEqual(h1[Header.timestamp], h2[Header.timestamp]);
  assert.notEqual(h1[Header.signature], h2[Header.signature]);
});

test('the canonical text is versioned and newline-separated', () => {
  assert.equal(canonical({ method: 'put', path: '/p', digest: 'd', peer: 'a', to: 'b', timestamp: 7 }).toString(), 'autonomy-edge-v1\nPUT\n/p\nd\na\nb\n7');
});
