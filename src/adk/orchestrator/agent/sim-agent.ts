// A lightweight simulated node agent: real HTTP and signed requests, an activation that is a
// function the test or the simulation supplies. It follows the node agent's contract: poll the
// desired state (long poll with ETag), download, activate, report what is actually active; on
// any failure keep the last good revision.
import type { KeyObject } from 'node:crypto';
import { NodeClient } from './node-client.ts';

/** Decides whether a bundle activates on this node; throws to fail the activation. */
export type Activate = (revision: string, bytes: Buffer) => Promise<void> | void;

/** Options of a simulated agent. */
export interface SimAgentOptions {
  /** How long one long poll may wait. */
  waitMs?: number;
  /** Delay after an error before polling again. */
  retryMs?: number;
  activate?: Activate;
  /** Called after each report (tests and the simulation count them). */
  onReport?: (revision: string | null, ok: boolean) => void;
}

/** A running simulated node. */
export class SimAgent {
  readonly client: NodeClient;
  active: string | null = null;
  /** The last error of a poll round (the agent retries; tests and the simulation read it). */
  lastError: Error | null = null;
  #etag: string | null = null;
  #running = false;
  #abort: AbortController | null = null;
  #loop: Promise<void> | null = null;
  readonly #opts: Required<Omit<SimAgentOptions, 'onReport'>> & Pick<SimAgentOptions, 'onReport'>;

  constructor(client: NodeClient, opts: SimAgentOptions = {}) {
    this.client = client;
    this.#opts = { waitMs: 20_000, retryMs: 200, activate: () => undefined, ...opts };
  }

  /** Enrolls a node key with a token and returns its (stopped) agent. */
  static async enroll(url: string, key: KeyObject, token: string, opts: SimAgentOptions = {}): Promise<SimAgent> {
    return new SimAgent((await NodeClient.enroll(url, key, token)).client, opts);
  }

  /** Starts polling (reconnect: the agent catches up from the desired state it finds). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.#loop = this.#run(this.#abort.signal);
  }

  /** Stops polling and waits for the loop to end (the node goes "offline"). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#abort?.abort();
    await this.#loop;
  }

  /** One poll-and-converge round; exported for tests that step agents by hand. */
  async syncOnce(signal?: AbortSignal): Promise<void> {
    const poll = await this.client.desired(this.#etag, this.#etag ? this.#opts.waitMs : 0, signal);
    if (!poll.state) return;
    this.#etag = poll.etag;
    const want = poll.state.revision;
    if (want === null || want === this.active) {
      // Nothing to change; a report still tells the orchestrator what is active (e.g. after a reconnect).
      await this.#report({ active_revision: this.active, status: 'ok' });
      return;
    }
    try {
      const bytes = await this.client.bundle(want, poll.state.digest);
      await this.#opts.activate(want, bytes);
      this.active = want;
      await this.#report({ active_revision: want, status: 'ok' });
    } catch (e) {
      await this.#report({ active_revision: this.active, status: 'failed', failed_revision: want, error: (e as Error).message });
    }
  }

  async #report(r: Parameters<NodeClient['report']>[0]): Promise<void> {
    await this.client.report(r);
    this.#opts.onReport?.(r.status === 'ok' ? r.active_revision : (r.failed_revision ?? null), r.status === 'ok');
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (this.#running) {
      try {
        await this.syncOnce(signal);
      } catch (e) {
        if (!this.#running) return;
        this.lastError = e as Error;
        // Offline or refused: keep the active revision and retry after a fixed delay.
        await new Promise((r) => setTimeout(r, this.#opts.retryMs));
      }
    }
  }
}
