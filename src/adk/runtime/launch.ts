// What `autonomy serve` and `autonomy run` share: turning command-line options into a started
// runtime (address checked, WAL opened, policy store or --dev directory loaded).
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AutonomyError } from '../../common/errors.ts';
import { SIGNATURES_FILE } from '../bundle/index.ts';
import { parseDuration } from '../bundle/commands.ts';
import { devPolicySource, storePolicySource } from './bundle-source.ts';
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
}

/** Starts a runtime for the options: the WAL first, so policy activations are recorded in it. */
export async function launchRuntime(o: LaunchOptions): Promise<Runtime> {
  const listen = parseAddr(o.addr);
  checkExposure(listen, { allowRemote: o.allowRemote, explicitToken: o.explicitToken });
  const budget = o.budgetMs === undefined ? {} : { maxMillis: parseMillis(o.budgetMs, '--budget-ms') };
  const metrics = createMetrics();
  const { policy, log } = await openPolicyAndLog(o, { onFlush: (s, n) => metrics.flush(s, n) }, o.say ?? ((l) => process.stderr.write(`autonomy: ${l}\n`)));
  return startRuntime({ policy, log, metrics, token: o.token, listen, budget });
}

/** The options that choose the WAL and the policy, shared by serve, run and mcp. */
export type PolicyOptions = Pick<LaunchOptions, 'policy' | 'state' | 'dev' | 'trust' | 'entrypoint' | 'maxAge'>;

/**
 * Opens the WAL first (policy activations are recorded in it), then the policy: the store's
 * signed bundle, or, only with --dev, an unsigned directory. Closes the WAL if the policy fails.
 */
export async function openPolicyAndLog(
  o: PolicyOptions,
  walOptions: WalLogOptions,
  say: (line: string) => void,
): Promise<{ policy: PolicySource; log: DecisionLog & { readonly wal: Wal }; unsignedDir: boolean }> {
  const maxAgeMs = o.maxAge === undefined ? undefined : parseDuration(o.maxAge);
  const policyPath = o.policy === undefined ? undefined : resolve(o.policy);
  const unsignedDir = policyPath !== undefined && isUnsignedDir(policyPath, o.policy!);
  if (unsignedDir && !o.dev) throw new AutonomyError('bad_config', `--policy ${o.policy} is an unsigned directory; it needs --dev (every answer will then say so), or sign it with \`autonomy bundle build --signing-key\``);
  const fs = fsFromEnv();
  const log = await openWalLog(o.state, { ...walOptions, ...(fs ? { fs } : {}) });
  try {
    const policy = unsignedDir
      ? await devPolicySource(policyPath!, o.entrypoint)
      : await storePolicySource({ state: o.state, trust: o.trust, bundle: policyPath, maxAgeMs, entrypoint: o.entrypoint, wal: log.wal, say });
    return { policy, log, unsignedDir };
  } catch (e) {
    await log.close();
    throw e;
  }
}

/** True for a directory without a bundle signature; throws if the path does not exist. */
export function isUnsignedDir(path: string, given: string): boolean {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new AutonomyError('bad_config', `--policy ${given}: no such file or directory`);
  }
  return isDir && !existsSync(join(path, SIGNATURES_FILE));
}
