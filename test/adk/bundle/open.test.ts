import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJS } from '../../../src/adk/policy/index.ts';
import { openFiles, contentDigest } from '../../../src/adk/bundle/open.ts';
import { writeArchive, readArchive } from '../../../src/adk/bundle/archive.ts';
import { ed25519, sampleFiles, signed } from './helpers.ts';

const k = ed25519();
const open = async (files: Map<string, Buffer>, runTests = true) => openFiles(await signed(files, k.privateKey), { trust: [k.trust], runTests });

test('a good bundle opens: manifest, entrypoint, data by directory path, tests run', async () => {
  const b = await open(sampleFiles('r7'));
  assert.equal(b.manifest.revision, 'r7');
  assert.equal(b.manifest.entrypoint, 'data.autonomy.authz');
  assert.deepEqual(b.tests?.map((t) => t.status), ['PASS', 'PASS']);
  assert.deepEqual(toJS(b.policy.evalRule('data.autonomy.authz.limits')!), { max: 1, tools: ['read', 'list'] });
  assert.equal(b.policy.evalRule('data.autonomy.authz.allow', { tool: 'read' }), true);
});

test('a manifest whose roots overlap is refused', async () => {
  const files = sampleFiles();
  files.set('.manifest', Buffer.from('{"revision": "r1", "roots": ["autonomy", "autonomy/authz"]}'));
  await assert.rejects(open(files), { code: 'bundle_roots_overlap' });
});

test('modules and data outside the roots are refused', async () => {
  const files = sampleFiles();
  files.set('other/p.rego', Buffer.from('package other\nx := 1\n'));
  await assert.rejects(open(files), { code: 'bundle_outside_roots', message: /package other/ });
  const files2 = sampleFiles();
  files2.set('other/data.json', Buffer.from('{"a": 1}'));
  await assert.rejects(open(files2), { code: 'bundle_outside_roots', message: /\/other/ });
});

test('a policy that does not compile is refused with file:row:col', async () => {
  const files = sampleFiles();
  files.set('autonomy/authz/broken.rego', Buffer.from('package autonomy.authz\n\nallow if {\n'));
  await assert.rejects(open(files), (e: { code: string; location?: { file: string; row: number } }) => {
    assert.match(e.code, /^rego_/);
    assert.equal(e.location?.file, 'autonomy/authz/broken.rego');
    return true;
  });
  const files2 = sampleFiles();
  files2.set('autonomy/authz/unsafe.rego', Buffer.from('package autonomy.authz\n\nbad if { x > 1 }\n'));
  await assert.rejects(open(files2), { code: 'rego_unsafe_var_error' });
});

test('a bundle whose tests fail is refused (and opens when tests are not asked for)', async () => {
  const files = sampleFiles('r1', { 'autonomy/authz/policy_test.rego': 'package autonomy.authz\n\ntest_write_allowed if allow with input as {"tool": "write"}\n' });
  await assert.rejects(open(files), { code: 'bundle_tests_failed', message: /test_write_allowed FAIL/ });
  await open(files, false);
});

test('an invalid manifest is refused', async () => {
  for (const m of ['[]', '{"revision": 3}', '{"roots": "x"}', '{"metadata": {"sequence": -1}}', '{"metadata": {"entrypoint": "input.x"}}', '{"rego_version": 0}']) {
    const files = sampleFiles();
    files.set('.manifest', Buffer.from(m));
    await assert.rejects(open(files), { code: 'bundle_manifest_invalid' }, m);
  }
});

test('the content digest ignores packaging: directory or archive, same digest', async () => {
  const files = await signed(sampleFiles(), k.privateKey);
  assert.equal(contentDigest(readArchive(writeArchive(files))), contentDigest(files));
  assert.match(contentDigest(files), /^sha256:[0-9a-f]{64}$/);
});

test('data.yaml and nested data.json are placed by directory', async () => {
  const files = sampleFiles('r1', { 'autonomy/cfg/data.yaml': 'region: eu\nlimit: 3\n', 'autonomy/cfg/zones/data.json': '["a","b"]' });
  const b = await open(files);
  assert.deepEqual(toJS(b.policy.evalRule('data.autonomy.cfg')!), { region: 'eu', limit: 3, zones: ['a', 'b'] });
});

test('a bundle laid out as `opa build` writes it (entries named /.manifest, /x/data.json) verifies', async () => {
  const { rawTarGz } = await import('./helpers.ts');
  const signedFiles = await signed(sampleFiles('opa-layout'), k.privateKey);
  const archive = rawTarGz([...signedFiles].map(([name, body]) => ({ path: `/${name}`, body })));
  const b = await openFiles(readArchive(archive), { trust: [k.trust], runTests: true });
  assert.equal(b.manifest.revision, 'opa-layout');
  assert.equal(b.digest, contentDigest(signedFiles));
});
