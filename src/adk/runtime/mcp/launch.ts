// `autonomy mcp`: the runtime's decision core and WAL, in process, in front of one MCP server.
// The same --policy/--dev/--state/--budget-ms as `autonomy serve`, without its HTTP API.
import { AutonomyError } from '../../../common/errors.ts';
import { parseMillis } from '../config.ts';
import { Decider } from '../decision.ts';
import { policySourceFor } from '../launch.ts';
import { fsFromEnv, openWalLog } from '../wal-log.ts';
import { runStdioProxy } from './stdio.ts';

export interface McpOptions {
  policy?: string | undefined;
  state: string;
  dev: boolean;
  trust: readonly string[];
  entrypoint?: string | undefined;
  budgetMs?: string | undefined;
  maxMessageBytes?: string | undefined;
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Runs the stdio proxy for `command` on this process's stdio; resolves with the exit code. */
export async function runMcpStdio(command: readonly string[], o: McpOptions): Promise<number> {
  if (command.length === 0) throw new AutonomyError('bad_usage', 'autonomy mcp needs the server command: autonomy mcp [options] -- SERVER_CMD ARGS…');
  const maxMessageBytes = o.maxMessageBytes === undefined ? undefined : parseBytes(o.maxMessageBytes);
  const policy = policySourceFor(o);
  const budget = o.budgetMs === undefined ? {} : { maxMillis: parseMillis(o.budgetMs, '--budget-ms') };
  const fs = fsFromEnv();
  let log;
  try {
    log = await openWalLog(o.state, fs ? { fs } : {});
  } catch (e) {
    await policy.close();
    throw e;
  }
  // stdout is the MCP channel: everything for people goes to stderr.
  if (o.dev) process.stderr.write('autonomy mcp: DEV MODE: unsigned policy directory; every decision carries dev_mode_unsigned_policy\n');
  const decider = new Decider({ policy, log, budget });
  const reload = (): void => {
    void policy.reload().then((s) => process.stderr.write(`autonomy mcp: ${'error' in s ? `policy reload failed, keeping the previous one: ${s.message}` : `policy reloaded: revision ${s.revision}`}\n`));
  };
  process.on('SIGHUP', reload);
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
    process.off('SIGHUP', reload);
    if (forward) for (const s of FORWARDED) process.off(s, forward);
    // Every decision already answered is durable; closing seals the session's WAL.
    await log.close();
    await policy.close();
  }
}

/** Parses a positive byte count, with an optional k/m suffix (KiB, MiB). */
export function parseBytes(v: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(v);
  const n = m ? Number(m[1]) * ({ '': 1, k: 1024, m: 1024 * 1024 }[m[2]!.toLowerCase()] ?? 1) : NaN;
  if (!(n > 0)) throw new AutonomyError('bad_config', `--max-message-bytes ${JSON.stringify(v)}: expected a positive number of bytes (k and m suffixes allowed)`);
  return n;
}
