// `autonomy-orchestrator operator …` as users run it, against a real `serve` process: a
// generated password printed once, a password from stdin, an API token for the CLI, read-only
// viewers, removal revoking the token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../adk/orchestrator/helpers.ts';
import { ORCHESTRATOR_BIN, serveOrchestrator } from './orchestrator-serve.ts';

const exec = promisify(execFile);

test('e2e: operator add, list, token, remove; the admin log names the operator', { timeout: 60_000 }, async () => {
  const dir = tempDir('operators-e2e-');
  const tokenFile = join(dir, 'admin.token');
  const { url } = await serveOrchestrator(join(dir, 'orchestrator.db'), tokenFile, dir);
  /** Runs the CLI; auth is the admin token file unless args name a token. Resolves with stdout, or the exit code and stderr. */
  const cli = async (args: string[], input?: string): Promise<{ code: number; out: string; err: string }> => {
    const auth = args.includes('--token') ? [] : ['--token-file', tokenFile];
    const p = exec(process.execPath, [ORCHESTRATOR_BIN, ...args, '--url', url, ...auth], { cwd: dir });
    p.child.stdin!.end(input ?? '');
    try {
      const r = await p;
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };

  const added = await cli(['operator', 'add', 'vera', '--role', 'viewer']);
  assert.match(added.out, /^operator vera added \(viewer\)\npassword \(shown once, store it now\): [\w-]{24}\n$/);
  assert.equal((await cli(['operator', 'add', 'alice', '--password-stdin'], 'correct horse battery staple\n')).out, 'operator alice added (admin)\n');
  const short = await cli(['operator', 'add', 'bob', '--password-stdin'], 'short\n');
  assert.equal(short.code, 2);
  assert.match(short.err, /at least 12 characters/);

  const alice = (await cli(['operator', 'token', 'alice'])).out.trim();
  const vera = (await cli(['operator', 'token', 'vera'])).out.trim();
  assert.match(alice, /^op_/);
  assert.match((await cli(['token', 'create', '--labels', 'env=prod', '--token', alice])).out, /^\S{20,}\n$/);
  assert.match((await cli(['nodes', 'list', '--token', vera])).out, /^NODE /);
  const denied = await cli(['token', 'create', '--token', vera]);
  assert.equal(denied.code, 2);
  assert.match(denied.err, /forbidden.*viewer/);

  assert.match((await cli(['operator', 'list'])).out, /^NAME +ROLE +API TOKEN +CREATED +LAST SIGN-IN\nalice +admin +yes +\S+ +\S+\nvera +viewer +yes +\S+ +\S+\n$/);
  assert.equal((await cli(['operator', 'remove', 'vera'])).out, 'operator vera removed\n');
  assert.match((await cli(['nodes', 'list', '--token', vera])).err, /unauthorized/);
  const log = (await cli(['audit', 'admin'])).out;
  assert.match(log, /operator:alice +token\.create/);
  assert.match(log, / {2}admin(:\S+)? +operator\.remove/);
});
