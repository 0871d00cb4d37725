// What `autonomy serve` and `autonomy run` share: turning command-line options into a started
// runtime (address checked, WAL opened, policy store or --dev directory loaded).
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AutonomyError } from '../../common/errors.ts';
import { SIGNATURES_FILE } from '../bundle/index.ts';
import { parseDuration } from '../../common/duration.ts';
import { devPolicySource, storePolicySource, type StorePolicySource } from './bundle-source.ts';
import { attachNodeAgent } from './node-attach.ts';
import { checkExposure, parseAddr, parseMillis } from './config.ts';
import type { PolicySource } from './policy-source.ts';
import { createMetrics } from './metrics.ts';
import { startRuntime, type Runtime } from './runtime.ts';
import { fsFromEnv, openWalLog, type WalLogOptions } from './wal-log.ts';
import type { DecisionLog } from './decision-log.ts';
import type { Wal } from '../audit/index.ts';

/** Options common to serve and run. */
export interface LaunchOptions {
  policy?: string | undefined;
  state: string;
  addr: string;
  token: string;
  /** The token came from the user (file or environment), not generated. */
  explicitToken: boolean;
  allowRemote: boolean;
  dev: boolean;
  trust: readonly string[];
  entrypoint?: string | undefined;
  budgetMs?: string | undefined;
  /** Past this age (e.g. 24h) the active policy is stale and decisions deny policy_stale. */
  maxAge?: string | undefined;
  /** Operator messages (activations, refusals); default: stderr. */
  say?: (line: string) => void;
  /** Follow this orchestrator (the node must be enrolled with it): see node-attach.ts. */
  orchestrator?: string | undefined;
  /** With orchestrator: hand sealed audit to the local edged of this config for a gateway to upload. */
  auditRelay?: string | undefined;
  /** The edge peers to hand it to (default: every known peer of that edged). */
  auditRelayTo?: readonly string[] | undefined;
  /** With auditRelay: the status report is handed on at least this often (a duration, e.g. 15s), so the fleet view sees the node alive. */
  relayHeartbeat?: string | undefined;
}

/** Starts a runtime for the options: the WAL first, so policy activations are recorded in it. */
export async function launchRuntime(o: LaunchOptions): Promise<Runtime> {
  const listen = parseAddr(o.addr);
  checkExposure(listen, { allowRemote: o.allowRemote, explicitToken: o.explicitToken });
  const budget = o.budgetMs === undefined ? {} : { maxMillis: parseMillis(o.budgetMs, '--budget-ms') };
  const metrics = createMetrics();
  const say = o.say ?? ((l: string) => process.stderr.write(`autonomy: ${l}\n`));
  if (o.auditRelay !== undefined && o.orchestrator === undefined) throw new AutonomyError('bad_config', '--audit-relay hands audit on for an orchestrator; it needs --orchestrator');
  if (o.relayHeartbeat !== undefined && o.auditRelay === undefined) throw new AutonomyError('bad_config', '--relay-heartbeat paces reports handed to the edge relay; it needs --audit-relay');
  const heartbeatMs = o.relayHeartbeat === undefined ? undefined : parseDuration(o.relayHeartbeat, '--relay-heartbeat', 'bad_config');
  // Every beat is a segment the relay stores and carries: a floor keeps a typo from flooding it.
  if (heartbeatMs !== undefined && heartbeatMs < 100) throw new AutonomyError('bad_config', `--relay-heartbeat ${o.relayHeartbeat}: at least 100ms`);
  const { policy, log, store } = await openPolicyAndLog(o, { onFlush: (s, n) => metrics.flush(s, n) }, say);
  const rt = await startRuntime({ policy, log, metrics, token: o.token, listen, budget });
  if (o.orchestrator !== undefined && store !== null) {
    try {
      const auditRelay = o.auditRelay === undefined ? undefined : { config: o.auditRelay, to: o.auditRelayTo ?? [], ...(heartbeatMs !== undefined && { heartbeatMs }) };
      attachNodeAgent(rt, { orchestrator: o.orchestrator, state: o.state, source: store, wal: log.wal, say, auditRelay });
    } catch (e) {
      await rt.close();
      throw e;
    }
  }
  return rt;
}

/** The options that choose the WAL and the policy, shared by serve, run and mcp. */
export type PolicyOptions = Pick<LaunchOptions, 'policy' | 'state' | 'dev' | 'trust' | 'entrypoint' | 'maxAge' | 'orchestrator'>;

/**
 * Opens the WAL first (policy activations are recorded in it), then the policy: the store's
 * signed bundle, or, only with --dev, an unsigned directory. Closes the WAL if the policy fails.
 */
export async function openPolicyAndLog(
  o: PolicyOptions,
  walOptions: WalLogOptions,
  say: (line: string) => void,
): Promise<{ policy: PolicySource; store: StorePolicySource | null; log: DecisionLog & { readonly wal: Wal }; unsignedDir: boolean }> {
  const maxAgeMs = o.maxAge === undefined ? undefined : parseDuration(o.maxAge, '--max-age');
  const policyPath = o.policy === undefined ? undefined : resolve(o.policy);
  const unsignedDir = policyPath !== undefined && isUnsignedDir(policyPath, o.policy!);
  if (unsignedDir && o.orchestrator !== undefined) throw new AutonomyError('bad_config', '--orchestrator needs the signed-bundle store; it cannot follow an orchestrator while serving an unsigned --dev directory');
  if (unsignedDir && !o.dev) throw new AutonomyError('bad_config', `--policy ${o.policy} is an unsigned directory; it needs --dev (every answer will then say so), or sign it with \`autonomy bundle build --signing-key\``);
  const fs = fsFromEnv();
  const log = await openWalLog(o.state, { ...walOptions, ...(fs ? { fs } : {}) });
  try {
    if (unsignedDir) return { policy: await devPolicySource(policyPath!, o.entrypoint), store: null, log, unsignedDir };
    const store = await storePolicySource({ state: o.state, trust: o.trust, bundle: policyPath, maxAgeMs, entrypoint: o.entrypoint, wal: log.wal, say });
    return { policy: store, store, log, unsignedDir };
  } catch (e) {
    await log.close();
    throw e;
  }
}

/** True for a directory without a bundle signature; throws if the path does not exist. */
function isUnsignedDir(path: string, given: string): boolean {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new AutonomyError('bad_config', `--policy ${given}: no such file or directory`);
  }
  return isDir && !existsSync(join(path, SIGNATURES_FILE));
}
