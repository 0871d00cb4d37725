import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { call, err, js } from './ext-helpers.ts';
import { fromJS, toJS } from '../../../../src/adk/policy/value.ts';

const jwk = JSON.stringify({ kty: 'oct', k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow' });

test('encode_sign_raw reproduces RFC 7515 A.1', () => {
  const tok = js('io.jwt.encode_sign_raw', '{"typ":"JWT",\r\n "alg":"HS256"}', '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}', jwk);
  assert.equal(tok, 'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
  assert.equal(err('io.jwt.encode_sign_raw', '{"alg":"dummy"}', '{}', jwk), 'eval_builtin_error: io.jwt.encode_sign_raw: unknown JWS algorithm: dummy');
  assert.equal(err('io.jwt.encode_sign_raw', '{"typ":"JWT","alg":"HS256"}', 'e', jwk), 'eval_builtin_error: io.jwt.encode_sign_raw: type is JWT but payload is not JSON');
});

test('encode_sign_raw: a blank header fails on its alg, a non-JSON one on its JSON', () => {
  for (const blank of ['', '  \n'])
    assert.equal(err('io.jwt.encode_sign_raw', blank, '{}', jwk), "eval_builtin_error: io.jwt.encode_sign_raw: missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string");
  assert.match(err('io.jwt.encode_sign_raw', 'e', '{}', jwk), /invalid character/);
});

test('sign, decode and verify round trip with HS256 and ES256', () => {
  const tok = js('io.jwt.encode_sign', { alg: 'HS256', typ: 'JWT' }, { iss: 'opa', exp: 4102444800 }, { kty: 'oct', k: 'c2VjcmV0' }) as string;
  assert.equal(js('io.jwt.verify_hs256', tok, 'secret'), true);
  assert.equal(js('io.jwt.verify_hs256', tok, 'wrong'), false);
  const [h, p] = toJS(call('io.jwt.decode', [tok])!) as unknown[];
  assert.deepEqual([h, p], [{ alg: 'HS256', typ: 'JWT' }, { iss: 'opa', exp: 4102444800 }]);
  assert.deepEqual(toJS(call('io.jwt.decode_verify', [tok, fromJS({ secret: 'secret', iss: 'opa' })])!), [true, h, p]);
  assert.deepEqual(toJS(call('io.jwt.decode_verify', [tok, fromJS({ secret: 'secret', iss: 'other' })])!), [false, {}, {}]);
  assert.deepEqual(toJS(call('io.jwt.decode_verify', [tok, fromJS({ secret: 'secret', time: 4102444800e9 })])!), [false, {}, {}]);

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const priv = privateKey.export({ format: 'jwk' });
  const es = js('io.jwt.encode_sign', { alg: 'ES256' }, { sub: 'x' }, priv) as string;
  const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
  assert.equal(js('io.jwt.verify_es256', es, pem), true);
  assert.equal(js('io.jwt.verify_rs256', es, pem), false);
  assert.equal(js('io.jwt.verify_es256', es, JSON.stringify({ keys: [publicKey.export({ format: 'jwk' })] })), true);
});

test('decode errors are OPA texts', () => {
  assert.equal(err('io.jwt.decode', 'nodots'), 'eval_builtin_error: io.jwt.decode: encoded JWT had no period separators');
  assert.equal(err('io.jwt.verify_hs384', 'a.b', 'k'), 'eval_builtin_error: io.jwt.verify_hs384: encoded JWT must have 3 sections, found 2');
  assert.equal(err('io.jwt.decode_verify', 'a.b.c', {}), 'eval_builtin_error: io.jwt.decode_verify: no key constraint');
  assert.match(err('io.jwt.verify_rs256', 'a.b.c', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'), /failed to parse a PEM certificate/);
});
