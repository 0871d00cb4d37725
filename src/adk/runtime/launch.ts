// What `autonomy serve` and `autonomy run` share: turning command-line options into a started
// runtime (policy source chosen, WAL opened, address checked).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AutonomyError } from '../../common/errors.ts';
import { checkExposure, parseAddr, parseMillis } from './config.ts';
import { dirPolicySource, staticPolicySource, type PolicySource } from './policy-source.ts';
import { createMetrics } from './metrics.ts';
import { startRuntime, type Runtime } from './runtime.ts';
import { fsFromEnv, openWalLog } from './wal-log.ts';

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
}

/** Chooses the policy source for --policy/--dev. */
export function policySourceFor(o: Pick<LaunchOptions, 'policy' | 'dev' | 'entrypoint'>): PolicySource {
  if (o.policy === undefined) return staticPolicySource({ error: 'no_valid_policy', message: 'no policy configured (pass --policy)' });
  const path = resolve(o.policy);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new AutonomyError('bad_config', `--policy ${o.policy}: no such file or directory`);
  }
  if (!isDir) throw new AutonomyError('bad_config', `--policy ${o.policy}: signed .tar.gz bundles need the bundle store, which this build does not have yet; pass a directory with --dev`);
  if (!o.dev) throw new AutonomyError('bad_config', `--policy ${o.policy} is an unsigned directory; serving it needs --dev (every answer will then say so)`);
  return dirPolicySource(path, o.entrypoint);
}

/** Starts a runtime for the options. */
export async function launchRuntime(o: LaunchOptions): Promise<Runtime> {
  const listen = parseAddr(o.addr);
  checkExposure(listen, { allowRemote: o.allowRemote, explicitToken: o.explicitToken });
  const policy = policySourceFor(o);
  const budget = o.budgetMs === undefined ? {} : { maxMillis: parseMillis(o.budgetMs, '--budget-ms') };
  const fs = fsFromEnv();
  const metrics = createMetrics();
  const log = await openWalLog(o.state, { onFlush: (s, n) => metrics.flush(s, n), ...(fs ? { fs } : {}) });
  return startRuntime({ policy, log, metrics, token: o.token, listen, budget });
}
