import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import type { BundleFiles } from '../../../src/adk/bundle/archive.ts';
import { listFiles, SIGNATURES_FILE } from '../../../src/adk/bundle/signing.ts';
import { verifyBundle } from '../../../src/adk/bundle/verify.ts';
import { ed25519, sampleFiles, signed, trusted } from './helpers.ts';

const sigFile = (token: string): Buffer => Buffer.from(JSON.stringify({ signatures: [token] }));

async function token(files: BundleFiles, key: KeyObject | Uint8Array, header: Record<string, unknown>, claims: Record<string, unknown> = {}): Promise<string> {
  const payload = Buffer.from(JSON.stringify({ files: listFiles(files), ...claims }));
  return new CompactSign(payload).setProtectedHeader(header as { alg: string }).sign(key);
}

const withToken = (files: BundleFiles, t: string): BundleFiles => new Map([...files, [SIGNATURES_FILE, sigFile(t)]]);

test('a bundle signed with Ed25519 verifies against its key', async () => {
  const k = ed25519();
  const v = await verifyBundle(await signed(sampleFiles(), k.privateKey), [k.trust]);
  assert.equal(v.keyId, k.trust.id);
  assert.equal(v.alg, 'EdDSA');
  assert.equal(v.payload.files.length, 3);
});

test('an unsigned bundle is refused', async () => {
  await assert.rejects(verifyBundle(sampleFiles(), [ed25519().trust]), { code: 'bundle_unsigned' });
  await assert.rejects(verifyBundle(new Map([...sampleFiles(), [SIGNATURES_FILE, Buffer.from('{"signatures":[]}')]]), [ed25519().trust]), { code: 'bundle_unsigned' });
});

test('a bundle signed by a key that is not trusted is refused', async () => {
  const signer = ed25519();
  const other = ed25519();
  await assert.rejects(verifyBundle(await signed(sampleFiles(), signer.privateKey), [other.trust]), { code: 'bundle_key_unknown' });
  // Same key id claimed, different key: the signature does not verify.
  await assert.rejects(verifyBundle(await signed(sampleFiles(), signer.privateKey, { keyId: other.trust.id }), [other.trust]), { code: 'bundle_signature_mismatch' });
});

test('alg none is refused before any verification', async () => {
  const k = ed25519();
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const t = `${b64({ alg: 'none', kid: k.trust.id })}.${b64({ files: listFiles(sampleFiles()) })}.`;
  await assert.rejects(verifyBundle(withToken(sampleFiles(), t), [k.trust]), { code: 'bundle_signature_alg', message: /none/ });
});

test('algorithm confusion: HS256 keyed with the trusted public key is refused', async () => {
  const k = ed25519();
  const secret = new TextEncoder().encode(k.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const t = await token(sampleFiles(), secret, { alg: 'HS256', kid: k.trust.id });
  await assert.rejects(verifyBundle(withToken(sampleFiles(), t), [k.trust]), { code: 'bundle_signature_alg', message: /HS256/ });
  // Without a kid too: no trusted key may verify an HMAC.
  const t2 = await token(sampleFiles(), secret, { alg: 'HS256' });
  await assert.rejects(verifyBundle(withToken(sampleFiles(), t2), [k.trust]), { code: 'bundle_signature_alg' });
});

test('an algorithm outside the key type allow-list is refused (ES256 claimed for an Ed25519 key)', async () => {
  const k = ed25519();
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const t = await token(sampleFiles(), ec.privateKey, { alg: 'ES256', kid: k.trust.id });
  await assert.rejects(verifyBundle(withToken(sampleFiles(), t), [k.trust]), { code: 'bundle_signature_alg', message: /allowed: EdDSA/ });
});

test('OPA\'s own HS256-signed test bundle is refused: shared secrets are never trust roots', async () => {
  // From OPA's bundle plugin tests (signed with HS256 and the secret "secret").
  const t =
    'eyJhbGciOiJIUzI1NiJ9.eyJmaWxlcyI6W3sibmFtZSI6Ii5tYW5pZmVzdCIsImhhc2giOiI1MDdhMmMzOGExNDQxZGI1OGQyY2I4Nzk4MmM0MmFhOTFhNDM0MmVmNDIyYTZiNTQyZWRkZWJlZWY2ZjA0MTJmIiwiYWxnb3JpdGhtIjoiU0hBLTI1NiJ9LHsibmFtZSI6ImV4YW1wbGUxL2RhdGEuanNvbiIsImhhc2giOiI3YTM4YmY4MWYzODNmNjk0MzNhZDZlOTAwZDM1YjNlMjM4NTU5M2Y3NmE3YjdhYjVkNDM1NWI4YmE0MWVlMjRiIiwiYWxnb3JpdGhtIjoiU0hBLTI1NiJ9LHsibmFtZSI6ImV4YW1wbGUyL2RhdGEuanNvbiIsImhhc2giOiI5ZTRmMTg5YmY0MDc5ZDFiNmViNjQ0Njg3OTg2NmNkNWYzOWMyNjg4MGQ0ZmI1MThmNGUwMWNkMWJiZmU1MTNlIiwiYWxnb3JpdGhtIjoiU0hBLTI1NiJ9XX0.jCLRMyys5u8S2sTS2pWWY82IAeKDpLh3S641_BskCtY';
  const files: BundleFiles = new Map([
    ['.manifest', Buffer.from('{"revision": "quickbrownfaux"}')],
    ['example1/data.json', Buffer.from('{"foo": "bar"}')],
    ['example2/data.json', Buffer.from('{"x": true}')],
    [SIGNATURES_FILE, sigFile(t)],
  ]);
  await assert.rejects(verifyBundle(files, [ed25519().trust]), { code: 'bundle_signature_alg' });
});

test('a file changed after signing is refused', async () => {
  const k = ed25519();
  const s = await signed(sampleFiles(), k.privateKey);
  s.set('autonomy/authz/policy.rego', Buffer.from(`${s.get('autonomy/authz/policy.rego')!.toString()}\nallow if true\n`));
  await assert.rejects(verifyBundle(s, [k.trust]), { code: 'bundle_digest_mismatch', message: /policy\.rego/ });
});

test('a file added after signing is refused', async () => {
  const k = ed25519();
  const s = await signed(sampleFiles(), k.privateKey);
  s.set('autonomy/authz/extra.rego', Buffer.from('package autonomy.authz\nallow if true\n'));
  await assert.rejects(verifyBundle(s, [k.trust]), { code: 'bundle_file_unsigned', message: /extra\.rego/ });
});

test('a file removed after signing is refused', async () => {
  const k = ed25519();
  const s = await signed(sampleFiles(), k.privateKey);
  s.delete('autonomy/authz/data.json');
  await assert.rejects(verifyBundle(s, [k.trust]), { code: 'bundle_file_missing', message: /data\.json/ });
});

test('a data file whose JSON re-encoding differs is refused; formatting alone is not a change', async () => {
  const k = ed25519();
  const s = await signed(sampleFiles(), k.privateKey);
  // Reformatted and reordered: the same canonical encoding, as in OPA.
  s.set('autonomy/authz/data.json', Buffer.from('{\n  "limits": { "tools": ["read", "list"], "max": 1.0 }\n}\n'));
  await verifyBundle(s, [k.trust]);
  // 1.0 → 1 is the same number to JSON.parse but a different encoding: refused.
  s.set('autonomy/authz/data.json', Buffer.from('{"limits": {"max": 1, "tools": ["read", "list"]}}'));
  await assert.rejects(verifyBundle(s, [k.trust]), { code: 'bundle_digest_mismatch' });
  // Not JSON at all.
  s.set('autonomy/authz/data.json', Buffer.from('{"limits": '));
  await assert.rejects(verifyBundle(s, [k.trust]), { code: 'bundle_data_invalid' });
});

test('several trusted keys: the kid picks one (key rotation)', async () => {
  const old = ed25519();
  const next = ed25519();
  const trust = [old.trust, next.trust];
  assert.equal((await verifyBundle(await signed(sampleFiles(), old.privateKey), trust)).keyId, old.trust.id);
  assert.equal((await verifyBundle(await signed(sampleFiles(), next.privateKey), trust)).keyId, next.trust.id);
});

test('a token without a kid (as `opa sign` makes them) is tried against every trusted key', async () => {
  const a = ed25519();
  const b = ed25519();
  const t = await token(sampleFiles(), b.privateKey, { alg: 'EdDSA' });
  assert.equal((await verifyBundle(withToken(sampleFiles(), t), [a.trust, b.trust])).keyId, b.trust.id);
  await assert.rejects(verifyBundle(withToken(sampleFiles(), t), [a.trust]), { code: 'bundle_signature_mismatch' });
});

test('RS256, PS256 and ES256 signatures made elsewhere verify', async () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  for (const [alg, kp] of [['RS256', rsa], ['PS256', rsa], ['ES256', ec]] as const) {
    const t = await token(sampleFiles(), kp.privateKey, { alg, kid: 'ops' });
    const v = await verifyBundle(withToken(sampleFiles(), t), [trusted(kp.publicKey, 'ops')]);
    assert.equal(v.alg, alg);
  }
});

test('the scope claim must match the required scope, as in OPA', async () => {
  const k = ed25519();
  const s = await signed(sampleFiles(), k.privateKey, { scope: 'write' });
  await assert.rejects(verifyBundle(s, [k.trust]), { code: 'bundle_scope_mismatch' });
  await verifyBundle(s, [k.trust], { scope: 'write' });
});

test('malformed signature files are refused with a clear code', async () => {
  const k = ed25519();
  const cases: [string, string][] = [
    ['not json', 'bundle_signature_invalid'],
    ['{"signatures": "x"}', 'bundle_signature_invalid'],
    ['{"signatures": ["a.b"]}', 'bundle_signature_invalid'],
    ['{"signatures": ["a.b.c", "d.e.f"]}', 'bundle_signature_invalid'],
    ['{"signatures": ["x"], "plugin": "custom"}', 'bundle_signature_invalid'],
  ];
  for (const [text, code] of cases) {
    await assert.rejects(verifyBundle(new Map([...sampleFiles(), [SIGNATURES_FILE, Buffer.from(text)]]), [k.trust]), { code }, text);
  }
});

test('no trust roots: nothing verifies', async () => {
  const k = ed25519();
  await assert.rejects(verifyBundle(await signed(sampleFiles(), k.privateKey), []), { code: 'bundle_no_trust' });
});
