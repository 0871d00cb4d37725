// One running runtime: policy source, decision log, decider, metrics and HTTP server wired
// together, started and stopped as a unit. Used by `autonomy serve` and `autonomy run`.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Budget } from '../policy/index.ts';
import { Decider } from './decision.ts';
import type { DecisionLog } from './decision-log.ts';
import { createMetrics, type RuntimeMetrics } from './metrics.ts';
import { isActive, type PolicySource, type PolicyState } from './policy-source.ts';
import { createRuntimeServer } from './server.ts';
import type { ListenAddress } from './config.ts';

export interface RuntimeOptions {
  policy: PolicySource;
  /** The decision log, already open; the runtime closes it. */
  log: DecisionLog;
  /** Default: fresh metrics. */
  metrics?: RuntimeMetrics;
  token: string;
  listen: ListenAddress;
  budget?: Budget;
}

/** A started runtime. */
export interface Runtime {
  readonly url: string;
  readonly server: Server;
  readonly decider: Decider;
  readonly policy: PolicySource;
  /** True when serving an unsigned --dev directory. */
  readonly dev: boolean;
  /** Re-reads the policy (SIGHUP). */
  reload(): Promise<PolicyState>;
  /** Runs fn first when the runtime closes (the node agent stops before the WAL is sealed). */
  onClose(fn: () => Promise<void>): void;
  /** Stops accepting, lets in-flight decisions finish, then closes the log (flushing it). */
  close(): Promise<void>;
}

/** Starts the server on an open log; resolves once it listens. */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const metrics = opts.metrics ?? createMetrics();
  const log = opts.log;
  const showRevision = (s: PolicyState): void => (isActive(s) ? metrics.revision(s.revision, s.digest) : metrics.revision(null, null));
  showRevision(opts.policy.current());
  const decider = new Decider({ policy: opts.policy, log, budget: opts.budget ?? {}, onDecision: (e) => metrics.decision(e) });
  const server = createRuntimeServer({ decider, policy: opts.policy, metrics, token: opts.token });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.listen.port, opts.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await log.close();
    await opts.policy.close();
    throw e;
  }
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  let closing: Promise<void> | null = null;
  const beforeClose: (() => Promise<void>)[] = [];
  return {
    url: `http://${host}:${a.port}`,
    server,
    decider,
    policy: opts.policy,
    get dev() {
      const s = opts.policy.current();
      return isActive(s) && s.dev === true;
    },
    async reload() {
      const s = await opts.policy.reload();
      showRevision(opts.policy.current());
      return s;
    },
    onClose(fn) {
      beforeClose.push(fn);
    },
    close() {
      closing ??= (async () => {
        for (const fn of beforeClose) await fn();
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // A client that keeps its connection busy must not hold the shutdown (and the WAL flush) forever.
        const force = setTimeout(() => server.closeAllConnections(), 5000).unref();
        await done;
        clearTimeout(force);
        await log.close();
        await opts.policy.close();
      })();
      return closing;
    },
  };
}
