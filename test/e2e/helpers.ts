// Real processes for end-to-end tests: `autonomy serve` on a free loopback port, stopped at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'autonomy.js');
export const ORCH = join(ROOT, 'bin', 'autonomy-orchestrator.js');
export const EXAMPLE_POLICY = join(ROOT, 'examples', 'robot', 'policy');
export const TOKEN = 'e2e-token-0123456789abcdef';

/** A temporary directory removed by the returned function. */
export function tempDir(prefix = 'autonomy-e2e-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Served {
  url: string;
  proc: ChildProcess;
  stderr: () => string;
  /** SIGTERM, then wait for the exit code. */
  stop: () => Promise<number | null>;
}

/** Starts `autonomy serve ARGS --addr 127.0.0.1:0` and resolves once it listens. */
export function serve(args: readonly string[], env: Record<string, string> = {}): Promise<Served> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--addr', '127.0.0.1:0', ...args], {
    env: { ...process.env, AUTONOMY_RUNTIME_TOKEN: TOKEN, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`serve did not start: ${err}`));
    }, 15_000);
    proc.stderr!.setEncoding('utf8').on('data', (s: string) => {
      err += s;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m && timer.hasRef()) {
        clearTimeout(timer);
        timer.unref();
        resolvePromise({
          url: m[1]!,
          proc,
          stderr: () => err,
          stop: async () => {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    proc.once('exit', (code) => {
      if (timer.hasRef()) {
        clearTimeout(timer);
        reject(new Error(`serve exited with ${code}: ${err}`));
      }
    });
  });
}

/** POSTs JSON with the e2e token; returns status and parsed body. */
export async function post(url: string, body: unknown, token: string | null = TOKEN): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const r = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

/** A throwaway HTTP server on loopback for misbehaving-runtime tests. */
export async function fakeServer(handler: RequestListener): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** `autonomy-orchestrator serve` on SQLite in dir (orch.db, admin.token); resolves with its URL once it listens. */
export async function orchestratorProcess(dir: string): Promise<{ url: string; stop: () => void }> {
  const proc = spawn(process.execPath, [ORCH, 'serve', '--db', join(dir, 'orch.db'), '--addr', '127.0.0.1:0', '--admin-token-file', join(dir, 'admin.token'), '--tick', '100ms', '--offline-after', '2s'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = (): void => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
  };
  try {
    const url = await new Promise<string>((res, rej) => {
      createInterface({ input: proc.stdout! }).on('line', (l) => {
        const m = /listening on (\S+)/.exec(l);
        if (m) res(m[1]!);
      });
      proc.on('exit', (code) => rej(new Error(`orchestrator exited ${code}: ${stderr}`)));
    });
    return { url, stop };
  } catch (e) {
    stop();
    throw e;
  }
}
