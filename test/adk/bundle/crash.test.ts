// A crash at any step of an activation or a rollback leaves either the old or the new version
// active, never a mix, and the store keeps working afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActivationStep, openPolicyStore, type PolicyStore } from '../../../src/adk/bundle/index.ts';
import { bundleFile, ed25519, sampleFiles, tempDir } from './helpers.ts';

const key = ed25519();
const child = join(import.meta.dirname, 'crash-child.ts');

function runChild(dir: string, trust: string, op: string, arg: string, step: string): void {
  const r = spawnSync(process.execPath, [child, dir, trust, op, arg, step], { encoding: 'utf8' });
  assert.equal(r.signal, 'SIGKILL', `child should have been killed at ${step}: ${r.stderr}`);
}

/** A store with revision '1' active, a work dir, and the trust key as a PEM file. */
async function storeWithRevision1(): Promise<{ dir: string; work: string; trust: string; store: () => PolicyStore }> {
  const dir = tempDir('crash-');
  const work = tempDir('crash-work-');
  const trust = join(work, 'trust.pub');
  writeFileSync(trust, key.publicKey.export({ type: 'spki', format: 'pem' }));
  const store = (): PolicyStore => openPolicyStore({ dir, trust: [key.trust] });
  await store().activate(await bundleFile(work, 'b1.tar.gz', sampleFiles('1'), key.privateKey));
  return { dir, work, trust, store };
}

const COMMIT_STEP_INDEX = Object.values(ActivationStep).indexOf(ActivationStep.committed);

for (const [i, step] of Object.values(ActivationStep).entries()) {
  test(`activation killed after '${step}' leaves ${i >= COMMIT_STEP_INDEX ? 'the new' : 'the old'} version active, intact`, async () => {
    const { dir, work, trust, store } = await storeWithRevision1();
    runChild(dir, trust, 'activate', await bundleFile(work, 'b2.tar.gz', sampleFiles('2'), key.privateKey), step);
    const s = store();
    const a = await s.loadActive();
    assert.ok(a.ok, 'a valid policy is loadable');
    assert.equal(a.source, 'active');
    assert.equal(a.revision, i >= COMMIT_STEP_INDEX ? '2' : '1');
    const st = await s.status({ verify: true });
    assert.equal(st.active?.verified, true);
    // Whatever is active has its activation on record, recovered if the crash came first.
    const activations = s.history().filter((e) => e.type === 'activate').map((e) => e.revision);
    assert.deepEqual(activations, i >= COMMIT_STEP_INDEX ? ['1', '2'] : ['1']);
    // The store still works: a further activation succeeds and history is readable.
    await s.activate(await bundleFile(work, 'b3.tar.gz', sampleFiles('3'), key.privateKey));
    assert.equal((await s.loadActive() as { revision: string }).revision, '3');
    assert.ok(s.history().length >= 2);
  });
}

for (const step of [ActivationStep.verified, ActivationStep.committed, ActivationStep.recorded]) {
  test(`rollback killed after '${step}' leaves one whole version active`, async () => {
    const { dir, work, trust, store } = await storeWithRevision1();
    await store().activate(await bundleFile(work, 'b2.tar.gz', sampleFiles('2'), key.privateKey));
    runChild(dir, trust, 'rollback', '-', step);
    const s = store();
    const a = await s.loadActive();
    assert.ok(a.ok);
    assert.equal(a.revision, step === ActivationStep.verified ? '2' : '1');
    assert.equal(s.history().filter((e) => e.type === 'rollback').length, step === ActivationStep.verified ? 0 : 1);
  });
}
