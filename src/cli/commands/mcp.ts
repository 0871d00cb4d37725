// `autonomy mcp`: a thin wrapper over src/adk/runtime/mcp, loaded when it runs.
import { type Command } from 'commander';
import { AutonomyError } from '../../common/errors.ts';
import { stateDir } from './audit.ts';
import type { Common } from './runtime.ts';

/** The runtime's own flags (as `autonomy serve` takes them) and the proxy's. */
interface McpFlags extends Common {
  maxMessageBytes?: string;
  sessionIdle?: string;
  upstream?: string;
  listen: string;
}

/** Registers `autonomy mcp`. */
export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description('govern an MCP server: speak MCP on stdio, start the server as a child, decide every tools/call before it reaches the server')
    .argument('[command...]', 'the MCP server command and its arguments (put them after --); none with --upstream')
    .option('--policy <path>', "a signed bundle (.tar.gz or directory) to activate, or an unsigned directory with --dev; default: the state directory's active policy")
    .option('--state <dir>', 'state directory: WAL, node key (default: $AUTONOMY_STATE_DIR or ./.autonomy)')
    .option('--trust <key>', 'public key trusted to sign bundles, PATH or KEYID=PATH (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--dev', 'allow an unsigned policy directory; every decision says so')
    .option('--entrypoint <ref>', "document that yields allow and deny (default: the manifest's, else data.autonomy.authz)")
    .option('--budget-ms <ms>', 'evaluation time budget per decision (default 50)')
    .option('--max-age <duration>', 'deny with policy_stale once the active policy is older than this (e.g. 24h)')
    .option('--max-message-bytes <n>', 'largest message accepted from the client (k/m suffixes; default 4m)')
    .option('--upstream <url>', 'govern a remote Streamable HTTP MCP server instead, serving a local endpoint (see --listen)')
    .option('--listen <host:port>', 'with --upstream: the local endpoint, loopback only', '127.0.0.1:8765')
    .option('--session-idle <duration>', 'with --upstream: end a client session idle this long, with its upstream session (default 30m)')
    .passThroughOptions()
    .action(async (command: string[], o: McpFlags) => {
      const { runMcpHttp, runMcpStdio } = await import('../../adk/runtime/mcp/launch.ts');
      const opts = {
        policy: o.policy,
        state: stateDir(o.state),
        trust: o.trust,
        dev: o.dev === true,
        entrypoint: o.entrypoint,
        budgetMs: o.budgetMs,
        maxAge: o.maxAge,
        maxMessageBytes: o.maxMessageBytes,
        sessionIdle: o.sessionIdle,
      };
      if (o.upstream === undefined) process.exitCode = await runMcpStdio(command, opts);
      else if (command.length > 0) throw new AutonomyError('bad_usage', 'autonomy mcp takes either --upstream URL or a server command, not both');
      else process.exitCode = await runMcpHttp(o.upstream, o.listen, opts);
    });
}
