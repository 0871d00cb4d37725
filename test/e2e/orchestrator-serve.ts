// A real `autonomy-orchestrator serve` process for end-to-end tests, stopped when the file ends.
import { after } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The orchestrator's launcher. */
export const ORCHESTRATOR_BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'autonomy-orchestrator.js');

/** Starts `serve` and resolves with its URL once it listens. */
export async function serveOrchestrator(db: string, tokenFile: string, cwd: string, extra: readonly string[] = []): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [ORCHESTRATOR_BIN, 'serve', '--db', db, '--addr', '127.0.0.1:0', '--admin-token-file', tokenFile, '--tick', '100ms', '--offline-after', '1500ms', ...extra], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  after(() => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
  });
  const url = await new Promise<string>((res, rej) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (l) => {
      const m = /listening on (\S+)/.exec(l);
      if (m) res(m[1]!);
    });
    proc.on('exit', (code) => rej(new Error(`serve exited ${code}: ${stderr}`)));
  });
  return { url, proc };
}
