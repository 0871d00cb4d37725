import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { err, js } from './ext-helpers.ts';

// A self-signed EC certificate with a spiffe:// URI SAN (from OPA's test data).
const CERT = `-----BEGIN CERTIFICATE-----
MIIB1zCCAXygAwIBAgIIdliOWUcSW3swCgYIKoZIzj0EAwIwPTELMAkGA1UEBhMC
R0IxEDAOBgNVBAoTB0V4YW1wbGUxHDAaBgNVBAUTEzE1ODExNzg5NzQ2ODY1Njgy
NjQwIBcNMjMxMTIwMTY1NTI4WhgPMjEyMjEwMjcxNjU1MjhaMD0xCzAJBgNVBAYT
AkdCMRAwDgYDVQQKEwdFeGFtcGxlMRwwGgYDVQQFExM4NTI3NzIyNDA4NTIxNjUz
MTE1MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEztP3kBsiAv8QAyylTjRYHYVz
cY0ybjAt/UmjYoqqoJ8HKHuqurDZRepkNjQwpWzffwYgLZ6N6J+2UIOvVtL6DqNk
MGIwDgYDVR0PAQH/BAQDAgeAMB0GA1UdJQQWMBQGCCsGAQUFBwMCBggrBgEFBQcD
ATAMBgNVHRMBAf8EAjAAMCMGA1UdEQQcMBqGGHNwaWZmZTovL2V4YW1wbGUuY29t
L29wYTAKBggqhkjOPQQDAgNJADBGAiEAyQ48OwneLy326jb+DR7yF2aq/xZyuqoj
+TSvKUPy4E4CIQCELRZw+GVN8IGGkTex0lqL3qcmfZWInmyV+knt4wzw/w==
-----END CERTIFICATE-----`;

test('digests and HMACs', () => {
  assert.equal(js('crypto.md5', 'lorem ipsum'), '80a751fde577028640c419000e33eba6');
  assert.equal(js('crypto.sha1', 'lorem ipsum'), 'bfb7759a67daeb65410490b4d98bb9da7d1ea2ce');
  assert.equal(js('crypto.hmac.md5', 'foo', 'bar'), '31b6db9e5eb4addb42f1a6ca07367adc');
  assert.equal(js('crypto.hmac.md5', 'åäöçß🥲♙Ω', '秘密の'), '20a8743c2157ac60b7e8b79c83651b8d');
  assert.equal(js('crypto.hmac.equal', 'abc', 'abc'), true);
  assert.equal(js('crypto.hmac.equal', 'abc', 'ab'), false);
});

test('x509 certificates in PEM and base64', () => {
  const [cert] = js('crypto.x509.parse_certificates', CERT) as Record<string, unknown>[];
  assert.deepEqual(cert!['URIStrings'], ['spiffe://example.com/opa']);
  assert.equal((cert!['Issuer'] as Record<string, unknown>)['SerialNumber'], '1581178974686568264');
  assert.equal(cert!['PublicKeyAlgorithm'], 3);
  assert.equal(cert!['SignatureAlgorithm'], 10);
  const again = js('crypto.x509.parse_certificates', Buffer.from(CERT).toString('base64')) as unknown[];
  assert.deepEqual(again, [cert]);
  assert.equal(err('crypto.x509.parse_certificates', 'YmFkc3RyaW5n'), 'eval_builtin_error: crypto.x509.parse_certificates: x509: malformed certificate');
  assert.deepEqual(js('crypto.x509.parse_and_verify_certificates', CERT), [false, []]);
  assert.match(err('crypto.x509.parse_certificate_request', 'foobar'), /illegal base64 data/);
});

test('private keys', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
  const jwk = js('crypto.x509.parse_rsa_private_key', pem) as Record<string, unknown>;
  assert.equal(jwk['kty'], 'RSA');
  const keys = js('crypto.parse_private_keys', pem) as Record<string, unknown>[];
  assert.equal(keys.length, 1);
  assert.equal(keys[0]!['E'], 65537);
  assert.deepEqual(js('crypto.parse_private_keys', 'nope'), []);
  assert.equal(js('crypto.parse_private_keys', ''), null);
});
