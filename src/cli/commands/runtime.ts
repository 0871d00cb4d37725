// `autonomy serve` and `autonomy run`: thin wrappers over src/adk/runtime, loaded when they run.
import { type Command } from 'commander';
import { stateDir } from './audit.ts';

const POLICY_HELP = 'a signed bundle (.tar.gz or directory) to activate, or an unsigned directory with --dev; default: the state directory\'s active policy';
const STATE_HELP = 'state directory: WAL, node key, token (default: $AUTONOMY_STATE_DIR or ./.autonomy)';

export interface Common {
  policy?: string;
  state?: string;
  trust: string[];
  dev?: boolean;
  entrypoint?: string;
  budgetMs?: string;
  maxAge?: string;
  orchestrator?: string;
  auditRelay?: string;
  auditRelayTo?: string[];
  relayHeartbeat?: string;
}

/** Registers `autonomy serve` and `autonomy run`. */
export function registerRuntime(program: Command): void {
  const common = (c: Command): Command =>
    c
      .option('--policy <path>', POLICY_HELP)
      .option('--state <dir>', STATE_HELP)
      .option('--trust <key>', 'public key trusted to sign bundles, PATH or KEYID=PATH (repeatable)', collect, [])
      .option('--dev', 'allow an unsigned policy directory; every answer and /health say so')
      .option('--entrypoint <ref>', 'document that yields allow and deny (default: the manifest\'s, else data.autonomy.authz)')
      .option('--budget-ms <ms>', 'evaluation time budget per decision (default 50)')
      .option('--max-age <duration>', 'deny with policy_stale once the active policy is older than this (e.g. 24h)')
      .option('--orchestrator <url>', 'follow this orchestrator (enroll first with `autonomy node enroll`): pull and activate its rollouts, upload the audit WAL')
      .option('--audit-relay <edge.yaml>', 'with --orchestrator: hand the sealed audit WAL to the local edged of this config, for a gateway node to upload (`autonomy node gateway`), instead of uploading it')
      .option('--audit-relay-to <peer>', 'edge peer to hand it to (repeatable; default: every known peer)', collect, [])
      .option('--relay-heartbeat <duration>', "with --audit-relay: hand the status report on at least this often, changed or not, so the fleet view sees the node alive (default 15s; keep it under the orchestrator's --offline-after)");

  common(program.command('serve').description('run the decision server (HTTP API: /v1/decide, /v1/data, /health, /metrics)'))
    .option('--addr <host:port>', 'listen address', '127.0.0.1:8181')
    .option('--token-file <file>', 'bearer token file (default: $AUTONOMY_RUNTIME_TOKEN, else STATE/runtime.token, created)')
    .option('--allow-remote', 'listen on a non-loopback address (needs --token-file or $AUTONOMY_RUNTIME_TOKEN)')
    .action(async (o: Common & { addr: string; tokenFile?: string; allowRemote?: boolean }) => {
      const { runServe } = await import('../../adk/runtime/serve.ts');
      process.exitCode = await runServe({ ...launchOptions(o), addr: o.addr, tokenFile: o.tokenFile, allowRemote: o.allowRemote === true });
    });

  common(program.command('run').description('run a command governed by a runtime on a free loopback port (AUTONOMY_RUNTIME_URL, AUTONOMY_RUNTIME_TOKEN)'))
    .argument('<command...>', 'the command and its arguments (put them after --)')
    .passThroughOptions()
    .action(async (command: string[], o: Common) => {
      const { runCommand } = await import('../../adk/runtime/run.ts');
      process.exitCode = await runCommand(command, launchOptions(o));
    });
}

function launchOptions(o: Common) {
  return { policy: o.policy, state: stateDir(o.state), trust: o.trust, dev: o.dev === true, entrypoint: o.entrypoint, budgetMs: o.budgetMs, maxAge: o.maxAge, orchestrator: o.orchestrator, auditRelay: o.auditRelay, auditRelayTo: o.auditRelayTo, relayHeartbeat: o.relayHeartbeat };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
