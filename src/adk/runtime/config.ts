// Runtime configuration from command-line options: the listen address (loopback unless
// explicitly allowed, and then only with a token), the token, the budget.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { AutonomyError } from '../../common/errors.ts';

/** A parsed listen address. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses HOST:PORT or [V6]:PORT. */
export function parseAddr(addr: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new AutonomyError('bad_config', `--addr ${JSON.stringify(addr)}: expected HOST:PORT, e.g. 127.0.0.1:8181`);
  return { host: (m[1] ?? m[2])!, port };
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** Refuses a non-loopback address unless remote access was asked for and a token was given. */
export function checkExposure(addr: ListenAddress, opts: { allowRemote: boolean; explicitToken: boolean }): void {
  if (isLoopback(addr.host)) return;
  if (!opts.allowRemote) throw new AutonomyError('bad_config', `refusing to listen on ${addr.host}: the runtime listens on loopback only unless --allow-remote is given`);
  if (!opts.explicitToken) throw new AutonomyError('bad_config', `--allow-remote needs a token from --token-file or AUTONOMY_RUNTIME_TOKEN`);
}

/** Reads the bearer token from a file (trimmed); refuses an empty or short one. */
export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AutonomyError('bad_config', `--token-file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
  }
  return checkToken(text.trim(), file);
}

/** Checks a token's form: at least 16 visible characters, no spaces. */
export function checkToken(token: string, source: string): string {
  if (!/^\S{16,}$/.test(token)) throw new AutonomyError('bad_config', `${source}: a token must be at least 16 characters without spaces`);
  return token;
}

/** Parses a positive number of milliseconds. */
export function parseMillis(v: string, flag: string): number {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new AutonomyError('bad_config', `${flag} ${JSON.stringify(v)}: expected a positive number of milliseconds`);
  return n;
}
