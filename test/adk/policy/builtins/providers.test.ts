import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, err, js } from './ext-helpers.ts';
import { fromJS, makeSet, toJS } from '../../../../src/adk/policy/value.ts';

const creds = { aws_access_key: 'AKIDEXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', aws_region: 'us-east-1', aws_service: 'service' };

test('providers.aws.sign_req matches the AWS SigV4 get-vanilla vector', () => {
  const out = js('providers.aws.sign_req', { method: 'GET', url: 'https://example.amazonaws.com/' }, creds, 1440938160000000000n) as { headers: Record<string, string> };
  assert.equal(out.headers['x-amz-date'], '20150830T123600Z');
  assert.equal(out.headers['host'], 'example.amazonaws.com');
  assert.equal(
    out.headers['Authorization'],
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,SignedHeaders=host;x-amz-date,Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  );
});

test('providers.aws.sign_req validates its operands', () => {
  assert.equal(err('providers.aws.sign_req', { method: 'GET', url: 'x' }, { aws_service: 's3' }, 0), 'eval_type_error: providers.aws.sign_req: operand 2 missing required AWS config parameters(s): {"aws_access_key", "aws_region", "aws_secret_access_key"}');
  assert.equal(err('providers.aws.sign_req', { url: 'x' }, creds, 0), 'eval_type_error: providers.aws.sign_req: operand 1 missing required request parameters(s): {"method"}');
});

const cfg = { aws_access_key: 'MYAWSACCESSKEYGOESHERE', aws_secret_access_key: 'MYAWSSECRETACCESSKEYGOESHERE', aws_service: 's3', aws_region: 'us-east-1' };
const body = fromJS({ example: makeSet([1, 2, 3, 4]) });
const run = (req: Record<string, unknown>, extra: Record<string, unknown> = {}) => (toJS(call('providers.aws.sign_req', [fromJS(req), fromJS({ ...cfg, ...extra }), 1451311705000000000n])!) as { headers: Record<string, string> }).headers['Authorization']!.split('Signature=')[1];
test("providers.aws.sign_req reproduces OPA's own test vectors (bodies, session token, payload signing)", () => {
  assert.equal(run({ method: 'get', url: 'http://example.com' }), '0047a7016c81e5c7f29cd522f97e911e04fc472fced0aee7916cbc287ad6c8e3');
  assert.equal(run({ method: 'get', url: 'http://example.com', headers: { foo: 'bar' } }), '8f1dc7c9b9978356a0d0989fd26a95307f4f8a4aa264d8220647b7097d839952');
  assert.equal(run({ method: 'get', url: 'http://example.com' }, { aws_session_token: 'MYAWSSECURITYTOKENGOESHERE' }), '23c31bda8a74630c0a94f6b82a3511e7e74728df98e6f54ed0840488dbbdc8d1');
  assert.equal(run({ method: 'get', url: 'http://example.com', body }), '5fb06ab1cfd74c8fcb3af95b8cce696708cf6155d971dac10f254d79799c6e88');
  assert.equal(run({ method: 'get', url: 'http://example.com', raw_body: '{"example": {1, 2, 3, 4}}' }), '5bf26e169cb8b02330dba39d53932532438fc856c2f10537689a09ed807c7195');
  assert.equal(run({ method: 'get', url: 'https://example.com', headers: { foo: 'bar' } }, { disable_payload_signing: true }), 'c6e6db654e92172f71e18c714c123711de069ac6fd7df1348e5b28fd05532028');
  assert.equal(run({ method: 'get', url: 'https://example.com', headers: { foo: 'bar', 'x-amz-content-sha256': 'existing-value' }, body }), '42bcac7fc6d170e09be72fdf38b62e59361265bc59d5f9156f0d6faf889e98ba');
  assert.equal(run({ method: 'get', url: 'https://example.com', headers: { foo: 'bar', 'x-amz-content-sha256': 'existing-value' }, body }, { disable_payload_signing: true }), 'edcd3ca3fd3acdfbcecad1a1d8062dbc6562d90352e294c336f9727397f9c383');
});
