// `autonomy mcp`: the runtime's decision core and WAL, in process, in front of one MCP server.
// The same --policy/--trust/--dev/--state/--max-age/--budget-ms as `autonomy serve`, chosen the
// same way, without its HTTP API.
import { AutonomyError } from '../../../common/errors.ts';
import { isLoopback, parseAddr, parseMillis } from '../config.ts';
import { Decider } from '../decision.ts';
import { openPolicyAndLog } from '../launch.ts';
import { parseDuration } from '../../../common/duration.ts';
import type { DecisionLog } from '../decision-log.ts';
import type { PolicySource } from '../policy-source.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, runStdioProxy } from './stdio.ts';

export interface McpOptions {
  policy?: string | undefined;
  state: string;
  dev: boolean;
  trust: readonly string[];
  entrypoint?: string | undefined;
  budgetMs?: string | undefined;
  maxAge?: string | undefined;
  maxMessageBytes?: string | undefined;
  /** With --upstream: how long an abandoned client session lives (a duration). */
  sessionIdle?: string | undefined;
}

/** The decision core as `autonomy serve` assembles it: policy source, WAL, decider. */
interface Core {
  decider: Decider;
  policy: PolicySource;
  log: DecisionLog;
}

/** The decision core with the same WAL and policy choice as `autonomy serve`. */
async function openCore(o: McpOptions): Promise<Core> {
  const budget = o.budgetMs === undefined ? {} : { maxMillis: parseMillis(o.budgetMs, '--budget-ms') };
  const { policy, log, unsignedDir } = await openPolicyAndLog(o, {}, say);
  // stdout may be the MCP channel: everything for people goes to stderr.
  if (unsignedDir) say('DEV MODE: unsigned policy directory; every decision carries dev_mode_unsigned_policy');
  return { decider: new Decider({ policy, log, budget }), policy, log };
}

/** SIGHUP re-reads the policy; returns the function that stops listening for it. */
function reloadOnHup(policy: PolicySource): () => void {
  const reload = (): void => {
    void policy.reload().then((s) => say('error' in s ? `policy reload failed, keeping the previous one: ${s.message}` : `policy reloaded: revision ${s.revision}`));
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Runs the stdio proxy for `command` on this process's stdio; resolves with the exit code. */
export async function runMcpStdio(command: readonly string[], o: McpOptions): Promise<number> {
  if (command.length === 0) throw new AutonomyError('bad_usage', 'autonomy mcp needs the server command: autonomy mcp [options] -- SERVER_CMD ARGS…');
  const maxMessageBytes = o.maxMessageBytes === undefined ? undefined : parseBytes(o.maxMessageBytes);
  const { decider, policy, log } = await openCore(o);
  const stopReload = reloadOnHup(policy);
  let forward: ((sig: NodeJS.Signals) => void) | undefined;
  try {
    return await runStdioProxy({
      command,
      decider,
      policy,
      input: process.stdin,
      output: process.stdout,
      ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
      onSpawn: (kill) => {
        forward = (sig) => kill(sig);
        for (const s of FORWARDED) process.on(s, forward);
      },
    });
  } finally {
    stopReload();
    if (forward) for (const s of FORWARDED) process.off(s, forward);
    // Every decision already answered is durable; closing seals the session's WAL.
    await log.close();
    await policy.close();
  }
}

/** Serves the local Streamable HTTP endpoint in front of `upstream` until SIGINT/SIGTERM; resolves with the exit code. */
export async function runMcpHttp(upstream: string, listenAddr: string, o: McpOptions): Promise<number> {
  let url: URL;
  try {
    url = new URL(upstream);
  } catch {
    throw new AutonomyError('bad_config', `--upstream ${JSON.stringify(upstream)}: expected an http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AutonomyError('bad_config', `--upstream ${upstream}: expected an http(s) URL`);
  const listen = parseAddr(listenAddr);
  if (!isLoopback(listen.host)) throw new AutonomyError('bad_config', `--listen ${listenAddr}: the local MCP endpoint has no authentication of its own, so it listens on loopback only`);
  const maxMessageBytes = o.maxMessageBytes === undefined ? DEFAULT_MAX_MESSAGE_BYTES : parseBytes(o.maxMessageBytes);
  const sessionIdleMs = o.sessionIdle === undefined ? undefined : parseDuration(o.sessionIdle, '--session-idle');
  if (sessionIdleMs === 0) throw new AutonomyError('bad_config', '--session-idle must be more than 0');
  const { decider, policy, log } = await openCore(o);
  const stopReload = reloadOnHup(policy);
  try {
    // Loaded here: the stdio proxy does not pay for the SDK's HTTP transports.
    const { startHttpProxy } = await import('./http.ts');
    const proxy = await startHttpProxy({ upstream: url, listen, decider, policy, maxMessageBytes, ...(sessionIdleMs === undefined ? {} : { sessionIdleMs }) });
    say(`governing ${url.href}; listening on ${proxy.url}`);
    await new Promise<void>((resolve) => {
      const stop = (sig: NodeJS.Signals): void => {
        say(`${sig}: stopping (ending sessions, sealing the WAL)`);
        resolve();
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await proxy.close();
    return 0;
  } finally {
    stopReload();
    await log.close();
    await policy.close();
  }
}

function say(s: string): void {
  process.stderr.write(`autonomy mcp: ${s}\n`);
}

/** Parses a positive byte count, with an optional k/m suffix (KiB, MiB). */
export function parseBytes(v: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(v);
  const n = m ? Number(m[1]) * ({ '': 1, k: 1024, m: 1024 * 1024 }[m[2]!.toLowerCase()] ?? 1) : NaN;
  if (!(n > 0)) throw new AutonomyError('bad_config', `--max-message-bytes ${JSON.stringify(v)}: expected a positive number of bytes (k and m suffixes allowed)`);
  return n;
}
