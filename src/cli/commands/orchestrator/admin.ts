// The admin commands: thin HTTP calls to a running orchestrator, printed for people or as JSON.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { AutonomyError, ExitCode } from '../../../common/errors.ts';
import type { NodeView, RolloutStatus, StoredVerdict } from '../../../adk/orchestrator/service.ts';
import type { AdminEvent, AuditDelivery, BundleRecord, Rollout } from '../../../adk/orchestrator/types.ts';
import { adminClient, clientOptions, out, table, when, type ClientOpts } from './common.ts';

const json = (v: unknown): boolean => out(`${JSON.stringify(v, null, 2)}\n`);

/** Writes to stdout, waiting while its buffer drains (a long query piped to a slow reader). */
function write(s: string): Promise<void> {
  return new Promise((resolve) => (process.stdout.write(s) ? resolve() : process.stdout.once('drain', resolve)));
}

async function labelsOf(text: string | undefined, what: string): Promise<Record<string, string>> {
  const { parseLabels } = await import('../../../adk/orchestrator/enrollment/tokens.ts');
  return parseLabels(text ?? '', what);
}

async function duration(text: string | undefined, flag: string): Promise<number> {
  if (text === undefined) return 0;
  const { parseDuration } = await import('../../../common/duration.ts');
  return parseDuration(text, flag);
}

function printRollout(s: RolloutStatus): void {
  const { phases, counts } = s;
  out(`rollout ${s.id}: ${s.state}${s.reason ? ` (${s.reason})` : ''}\n`);
  out(`bundle ${s.revision}, selector ${JSON.stringify(s.selector)}, phase ${Math.min(s.phase + 1, phases.length)}/${phases.length} (${phases.map((p) => (p.percent !== undefined ? `${p.percent}%` : p.count)).join(',')}), max failures ${s.maxFailures}\n`);
  out(`nodes: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
  const rows = [['NODE', 'STATE', 'PREVIOUS', 'CONFIRMED', 'ONLINE', 'ERROR']];
  for (const t of s.targets) rows.push([t.nodeId, t.state, t.previousRevision ?? '-', t.confirmed ?? '-', t.online ? 'yes' : 'no', t.error ?? '']);
  out(table(rows));
}

/** Registers token, bundle, rollout, rollback, nodes and audit. */
export function registerAdmin(program: Command): void {
  const token = program.command('token').description('one-time enrollment tokens');
  clientOptions(token.command('create').description('make a one-time enrollment token; nodes enrolled with it get its labels'))
    .option('--labels <k=v,...>', 'labels given to the node that enrolls with it', '')
    .option('--expires <duration>', 'validity', '1h')
    .option('--json', 'print JSON')
    .action(async (o: ClientOpts & { labels: string; expires: string; json?: boolean }) => {
      const c = await adminClient(o);
      const res = await c.json<{ token: string; expires_at: number }>('POST', '/v1/admin/tokens', { labels: await labelsOf(o.labels, '--labels'), expires_in_ms: await duration(o.expires, '--expires') });
      if (o.json) json(res);
      else out(`${res.token}\n`);
    });

  const bundle = program.command('bundle').description('policy bundles (stored as pushed: the orchestrator never signs them)');
  clientOptions(bundle.command('push').description('store a signed bundle file under its revision').argument('<file>', 'bundle (.tar.gz)'))
    .option('--revision <rev>', "revision (default: the bundle's .manifest revision)")
    .option('--json', 'print JSON')
    .action(async (file: string, o: ClientOpts & { revision?: string; json?: boolean }) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new AutonomyError('file_not_found', `cannot read ${file}: ${(e as Error).message}`);
      }
      const { manifestRevision } = await import('../../../adk/orchestrator/bundle-revision.ts');
      const revision = o.revision ?? manifestRevision(bytes);
      if (!revision) throw new AutonomyError('bad_request', `${file} has no .manifest revision; pass --revision`);
      const c = await adminClient(o);
      const res = await c.json<BundleRecord & { created: boolean }>('POST', `/v1/admin/bundles?revision=${encodeURIComponent(revision)}`, bytes);
      if (o.json) json(res);
      else out(`${res.created ? 'pushed' : 'already held'}: ${res.revision} sha256:${res.digest} (${res.size} bytes)\n`);
    });
  clientOptions(bundle.command('list').description('bundles held'))
    .option('--json', 'print JSON')
    .action(async (o: ClientOpts & { json?: boolean }) => {
      const list = await (await adminClient(o)).json<BundleRecord[]>('GET', '/v1/admin/bundles');
      if (o.json) json(list);
      else out(table([['REVISION', 'DIGEST', 'SIZE', 'PUSHED'], ...list.map((b) => [b.revision, `sha256:${b.digest.slice(0, 16)}…`, String(b.size), when(b.pushedAt)])]));
    });

  const rollout = program.command('rollout').description('phased rollouts with a failure budget');
  clientOptions(rollout.command('create').description('roll a bundle out over the nodes a selector matches, phase by phase'))
    .requiredOption('--bundle <revision>', 'bundle revision to roll out')
    .option('--selector <k=v,...>', 'node labels to match (default: every node)', '')
    .option('--phases <list>', 'cumulative phase sizes: counts or percentages, ending at 100%', '1,10%,50%,100%')
    .option('--max-failures <n>', 'failed activations (or timeouts) tolerated before halting and rolling back', '0')
    .option('--phase-timeout <duration>', 'an online node that has not confirmed after this counts as failed (default: none)')
    .option('--pause <duration>', 'wait between phases (default: none)')
    .option('--json', 'print JSON')
    .action(async (o: ClientOpts & { bundle: string; selector: string; phases: string; maxFailures: string; phaseTimeout?: string; pause?: string; json?: boolean }) => {
      const maxFailures = Number(o.maxFailures);
      if (!Number.isSafeInteger(maxFailures) || maxFailures < 0) throw new AutonomyError('bad_request', '--max-failures must be a non-negative integer');
      const s = await (await adminClient(o)).json<RolloutStatus>('POST', '/v1/admin/rollouts', {
        revision: o.bundle, selector: await labelsOf(o.selector, '--selector'), phases: o.phases, max_failures: maxFailures,
        phase_timeout_ms: await duration(o.phaseTimeout, '--phase-timeout'), pause_ms: await duration(o.pause, '--pause'),
      });
      if (o.json) json(s);
      else out(`${s.id}\n`);
    });
  clientOptions(rollout.command('status').description('a rollout and each of its nodes').argument('<id>'))
    .option('--json', 'print JSON')
    .action(async (id: string, o: ClientOpts & { json?: boolean }) => {
      const s = await (await adminClient(o)).json<RolloutStatus>('GET', `/v1/admin/rollouts/${encodeURIComponent(id)}`);
      if (o.json) json(s);
      else printRollout(s);
    });
  clientOptions(rollout.command('list').description('every rollout'))
    .option('--json', 'print JSON')
    .action(async (o: ClientOpts & { json?: boolean }) => {
      const list = await (await adminClient(o)).json<Rollout[]>('GET', '/v1/admin/rollouts');
      if (o.json) json(list);
      else out(table([['ID', 'BUNDLE', 'STATE', 'PHASE', 'CREATED', 'REASON'], ...list.map((r) => [r.id, r.revision, r.state, `${Math.min(r.phase + 1, r.phases.length)}/${r.phases.length}`, when(r.createdAt), r.reason ?? ''])]));
    });
  for (const [action, what] of [['pause', 'stop widening a rollout (confirmations and the failure budget still count)'], ['resume', 'continue a paused rollout'], ['abort', 'stop a rollout and roll its touched nodes back']] as const) {
    clientOptions(rollout.command(action).description(what).argument('<id>'))
      .option('--json', 'print JSON')
      .action(async (id: string, o: ClientOpts & { json?: boolean }) => {
        const s = await (await adminClient(o)).json<RolloutStatus>('POST', `/v1/admin/rollouts/${encodeURIComponent(id)}/${action}`);
        if (o.json) json(s);
        else out(`rollout ${s.id}: ${s.state}\n`);
      });
  }

  clientOptions(program.command('rollback').description('set the desired revision of every matching node now (offline nodes get it on reconnect); aborts rollouts over them'))
    .requiredOption('--to <revision>', 'revision to return to')
    .option('--selector <k=v,...>', 'node labels to match (default: every node)', '')
    .option('--json', 'print JSON')
    .action(async (o: ClientOpts & { to: string; selector: string; json?: boolean }) => {
      const res = await (await adminClient(o)).json<{ nodes: number; aborted: string[] }>('POST', '/v1/admin/rollback', { selector: await labelsOf(o.selector, '--selector'), revision: o.to });
      if (o.json) json(res);
      else out(`rollback to ${o.to}: ${res.nodes} node(s)${res.aborted.length ? `; aborted ${res.aborted.join(', ')}` : ''}\n`);
    });

  const nodes = program.command('nodes').description('the fleet');
  clientOptions(nodes.command('list').description('each node: desired vs confirmed revision, last seen, pending/failed, audit'))
    .option('--selector <k=v,...>', 'only nodes with these labels', '')
    .option('--pending', 'only nodes that have not confirmed their desired revision (or failed it)')
    .option('--json', 'print JSON')
    .action(async (o: ClientOpts & { selector: string; pending?: boolean; json?: boolean }) => {
      const sel = o.selector ? `?selector=${encodeURIComponent(o.selector)}` : '';
      let list = await (await adminClient(o)).json<NodeView[]>('GET', `/v1/admin/nodes${sel}`);
      if (o.pending) list = list.filter((n) => n.state === 'pending' || n.state === 'failed');
      if (o.json) return void json(list);
      // The GATEWAY column only in fleets that have gateways.
      const gateways = list.some((n) => n.gateway !== null);
      const rows = [['NODE', 'LABELS', 'DESIRED', 'CONFIRMED', 'STATE', 'ONLINE', 'LAST SEEN', 'AUDIT', ...(gateways ? ['GATEWAY'] : []), 'ERROR']];
      for (const n of list) {
        const gateway = n.gateway === null ? '-' : n.gateway.flag ? 'FLAGGED' : n.gateway.allowed ? 'yes' : 'no';
        rows.push([n.id, Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(','), n.desired ?? '-', n.confirmed ?? '-', n.state, n.online_via ? `via ${n.online_via}` : n.online ? 'yes' : 'no', when(n.last_seen),
          n.audit_flag ? 'TAMPERED' : n.audit_seq === null ? '-' : `seq ${n.audit_seq}`, ...(gateways ? [gateway] : []), n.error ?? n.audit_flag ?? n.gateway?.flag ?? '']);
      }
      out(table(rows));
      if (list.some((n) => n.audit_flag || n.gateway?.flag)) process.exitCode = ExitCode.negative;
    });
  clientOptions(nodes.command('gateway').description("allow a node to upload other nodes' audit that reaches it through the edge relay (`autonomy node gateway`), or withdraw it").argument('<node>', 'node id'))
    .option('--allow', 'allow it')
    .option('--deny', 'withdraw it')
    .action(async (id: string, o: ClientOpts & { allow?: boolean; deny?: boolean }) => {
      if (o.allow === o.deny) throw new AutonomyError('bad_request', 'give one of --allow or --deny');
      await (await adminClient(o)).json('POST', `/v1/admin/nodes/${encodeURIComponent(id)}/gateway`, { allow: o.allow === true });
      out(`node ${id}: ${o.allow ? 'may relay other nodes\' audit' : 'may no longer relay other nodes\' audit'}\n`);
    });

  const audit = program.command('audit').description('the fleet audit log (verified on ingest) and the admin log');
  clientOptions(audit.command('query').description('decision records of the fleet, filtered, as JSON Lines or CSV'))
    .option('--node <id>', 'only this node')
    .option('--since <time>', 'records at or after this time (ISO 8601, or nanoseconds since the epoch)')
    .option('--until <time>', 'records before this time')
    .option('--tool <name>', 'only this tool')
    .addOption(new Option('--decision <d>', 'only allows or denies').choices(['allow', 'deny']))
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--page-size <n>', 'records fetched per request; every page is fetched, in order', '10000')
    .action(async (o: ClientOpts & { node?: string; since?: string; until?: string; tool?: string; decision?: string; format: string; pageSize: string }) => {
      const pageSize = Number(o.pageSize);
      if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new AutonomyError('bad_request', '--page-size must be a positive integer');
      const q = new URLSearchParams({ format: o.format, limit: String(pageSize) });
      for (const k of ['node', 'since', 'until', 'tool', 'decision'] as const) if (o[k] !== undefined) q.set(k, o[k]);
      const c = await adminClient(o);
      // Pages follow the server's cursor, so a large result arrives whole, written as it comes.
      for (;;) {
        const res = await c.send('GET', `/v1/admin/audit?${q}`);
        await write(await res.text());
        const next = res.headers.get('x-autonomy-next-cursor');
        if (!next) break;
        q.set('after', next);
      }
    });
  clientOptions(audit.command('prune').description('delete fleet audit records older than a time; each node keeps its last pruned record\'s hash as the anchor its kept chain starts from (recorded in the admin log)'))
    .requiredOption('--before <time>', 'ISO 8601 time, or nanoseconds since the epoch')
    .option('--json', 'print JSON')
    .action(async (o: ClientOpts & { before: string; json?: boolean }) => {
      const r = await (await adminClient(o)).json<{ records: number; nodes: { node: string; through: number }[] }>('POST', '/v1/admin/audit/prune', { before: o.before });
      if (o.json) json(r);
      else out(`pruned ${r.records} record(s) of ${r.nodes.length} node(s)${r.nodes.length ? `: ${r.nodes.map((n) => `${n.node} through seq ${n.through}`).join(', ')}` : ''}\n`);
    });
  clientOptions(audit.command('verify').description('re-verify the held audit of every node (or one): hash chain from its anchor to its head, checkpoint signatures; exit 1 if one breaks'))
    .option('--node <id>', 'only this node')
    .option('--json', 'print JSON')
    .action(async (o: ClientOpts & { node?: string; json?: boolean }) => {
      const list = await (await adminClient(o)).json<StoredVerdict[]>('GET', `/v1/admin/audit/verify${o.node ? `?node=${encodeURIComponent(o.node)}` : ''}`);
      if (o.json) json(list);
      else out(table([['NODE', 'RECORDS', 'FROM', 'HEAD', 'CHAIN'], ...list.map((v) => [v.node, String(v.records), v.anchor_seq === null ? 'genesis' : `anchor seq ${v.anchor_seq}`, v.head_seq === null ? '-' : `seq ${v.head_seq}`, v.ok ? 'ok' : `BROKEN: ${v.problem}`])]));
      if (list.some((v) => !v.ok)) process.exitCode = ExitCode.negative;
    });
  clientOptions(audit.command('deliveries').description('accepted uploads, newest first: which records of which node arrived when, directly or through which gateway'))
    .option('--node <id>', 'only this node')
    .option('--via <gateway>', 'only what this gateway delivered')
    .option('--json', 'print JSON')
    .action(async (o: ClientOpts & { node?: string; via?: string; json?: boolean }) => {
      const q = new URLSearchParams();
      for (const k of ['node', 'via'] as const) if (o[k] !== undefined) q.set(k, o[k]);
      const list = await (await adminClient(o)).json<AuditDelivery[]>('GET', `/v1/admin/audit/deliveries?${q}`);
      if (o.json) json(list);
      else out(table([['RECEIVED', 'NODE', 'SEQ', 'SEGMENT', 'VIA'], ...list.map((d) => [when(d.at), d.node, `${d.firstSeq}-${d.lastSeq}`, d.segment, d.via ?? 'direct'])]));
    });
  clientOptions(audit.command('admin').description("the orchestrator's own hash-chained log of admin actions; the chain is checked, exit 1 if broken"))
    .option('--json', 'print JSON')
    .action(async (o: ClientOpts & { json?: boolean }) => {
      const c = await adminClient(o);
      const list: AdminEvent[] = [];
      for (let after: string | null = '0'; after !== null; ) {
        const res = await c.send('GET', `/v1/admin/events?after=${after}`);
        list.push(...(JSON.parse(await res.text()) as AdminEvent[]));
        after = res.headers.get('x-autonomy-next-cursor');
      }
      const { adminEventHash } = await import('../../../adk/orchestrator/store/sql-store.ts');
      let prev = '0'.repeat(64);
      const broken = list.find((e, i) => {
        const bad = e.seq !== i + 1 || e.prevHash !== prev || adminEventHash(e) !== e.hash;
        prev = e.hash;
        return bad;
      });
      if (o.json) json(list);
      else for (const e of list) out(`${String(e.seq).padStart(6)}  ${when(e.time)}  ${e.actor.padEnd(24)}  ${e.action.padEnd(22)}  ${JSON.stringify(e.detail)}\n`);
      if (broken) {
        process.stderr.write(`autonomy-orchestrator: the admin log's hash chain breaks at seq ${broken.seq}\n`);
        process.exitCode = ExitCode.negative;
      }
    });
}

