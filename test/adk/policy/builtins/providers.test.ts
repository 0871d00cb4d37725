import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, js } from './ext-helpers.ts';

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
