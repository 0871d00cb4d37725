// edgectl's side of the control API: signed calls to the local edged, errors turned back into
// coded AutonomyErrors so the CLI reports them like any other.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutonomyError } from '../common/errors.ts';
import { describeReply, signedRequest, type Reply } from './client.ts';
import { systemClock } from './clock.ts';
import { ADDR_FILE, type EdgeConfig } from './config.ts';
import { RequestSigner } from './protocol.ts';

/** The local daemon's base URL: the configured listen address, or the one edged recorded for port 0. */
export function daemonUrl(config: EdgeConfig): string {
  if (config.listenPort === 0) {
    const f = join(config.root, ADDR_FILE);
    if (!existsSync(f)) throw new AutonomyError('edged_unreachable', `listen uses port 0 and ${f} does not exist: is edged running with ${config.file}?`);
    return readFileSync(f, 'utf8').trim();
  }
  // A wildcard listen address is reached on loopback.
  const host = config.listenHost === '0.0.0.0' ? '127.0.0.1' : config.listenHost === '::' ? '[::1]' : config.listenHost.includes(':') ? `[${config.listenHost}]` : config.listenHost;
  return `http://${host}:${config.listenPort}`;
}

export class ControlClient {
  readonly #config: EdgeConfig;
  readonly #signer: RequestSigner;
  readonly #base: string;

  constructor(config: EdgeConfig) {
    this.#config = config;
    this.#signer = new RequestSigner(config.nodeId, config.privateKey, systemClock);
    this.#base = daemonUrl(config);
  }

  /** Calls the daemon; a non-2xx answer becomes an AutonomyError with the daemon's code. */
  async call(method: string, path: string, body?: Uint8Array): Promise<Reply> {
    let r: Reply;
    try {
      r = await signedRequest({ base: this.#base, method, path, to: this.#config.nodeId, signer: this.#signer, timeoutMs: this.#config.requestTimeoutMs, ...(body ? { body } : {}) });
    } catch (e) {
      throw new AutonomyError('edged_unreachable', `cannot reach edged at ${this.#base} (${e instanceof Error ? e.message : String(e)}): is it running with ${this.#config.file}?`, { cause: e });
    }
    if (r.status >= 200 && r.status < 300) return r;
    let code = 'edged_error';
    try {
      code = (JSON.parse(r.body.toString('utf8')) as { error: { code: string } }).error.code;
    } catch {
      // Keep the generic code; describeReply still shows the status.
    }
    throw new AutonomyError(code, describeReply(r).replace(/^HTTP \d+ [a-z_]+: /, ''));
  }

  /** Calls the daemon and parses its JSON answer. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call(method, path, body === undefined ? undefined : Buffer.from(JSON.stringify(body)));
    return JSON.parse(r.body.toString('utf8')) as T;
  }
}
