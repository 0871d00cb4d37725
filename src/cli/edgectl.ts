// `edgectl`: talks to the local edged over loopback, signing with the node's own key. Also
// `edgectl keygen`, which needs no daemon.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AutonomyError } from '../common/errors.ts';
import { writeKeyPair } from '../common/ed25519.ts';
import { loadConfig } from '../edge/config.ts';
import { ControlClient } from '../edge/control-client.ts';
import type { EntryView, SegmentView, StateCounts } from '../edge/edge-node.ts';
import { newProgram, runProgram } from './main.ts';

interface PutReply {
  hash: string;
  size: number;
  outcome: string;
  deliveries: { peer: string; state: string }[];
}

/** Builds the command tree; exported so tests can inspect it without spawning a process. */
export function buildProgram(): Command {
  const program = newProgram('edgectl', 'Operate the local edged: put and get segments, inspect the relay, handle the deadletter.')
    .option('-c, --config <file>', "the node's edge.yaml (every command but keygen needs it)");
  const client = (): ControlClient => {
    const file = program.opts<{ config?: string }>().config;
    if (!file) throw new AutonomyError('usage', 'this command needs --config edge.yaml');
    return new ControlClient(loadConfig(file));
  };
  const emit = (asJson: boolean | undefined, v: unknown, human: () => string): void => {
    const s = asJson ? JSON.stringify(v, null, 2) : human();
    process.stdout.write(s === '' || s.endsWith('\n') ? s : `${s}\n`);
  };
  const sub = (parent: Command, name: string, description: string): Command =>
    parent.command(name).description(description).exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });

  sub(program, 'keygen', 'write a new Ed25519 key pair (NAME.key, mode 0600, and NAME.pub) into DIR')
    .requiredOption('--out <dir>', 'directory for the key pair')
    .option('--name <name>', 'file name stem', 'edge')
    .action((o: { out: string; name: string }) => {
      const { privatePath, publicPath } = writeKeyPair(o.out, o.name);
      emit(false, null, () => `private key: ${privatePath}\npublic key:  ${publicPath}`);
    });

  sub(program, 'put', 'store FILE as a segment and relay it (default: to every known peer)')
    .argument('<file>', 'the bytes to relay')
    .option('--to <peer...>', 'peer ids to deliver to')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { to?: string[]; json?: boolean }) => {
      const q = (o.to ?? []).map((p) => `to=${encodeURIComponent(p)}`).join('&');
      const r = await client().call('POST', `/v1/local/segments${q ? `?${q}` : ''}`, readInput(file));
      const v = JSON.parse(r.body.toString('utf8')) as PutReply;
      emit(o.json, v, () => `${v.hash} ${v.size} bytes ${v.outcome}\n${v.deliveries.map((d) => `  → ${d.peer}: ${d.state}`).join('\n')}`);
    });

  sub(program, 'get', 'write a stored segment (verified against its hash) to FILE')
    .argument('<hash>', 'the segment\'s SHA-256')
    .requiredOption('-o, --out <file>', 'where to write the bytes')
    .action(async (hash: string, o: { out: string }) => {
      if (!/^[0-9a-f]{64}$/.test(hash)) throw new AutonomyError('usage', `${JSON.stringify(hash)} is not a SHA-256 hex digest`);
      const r = await client().call('GET', `/v1/local/segments/${hash}`);
      // Temp file and rename: an interrupted get never leaves a partial FILE behind.
      writeFileSync(`${o.out}.part`, r.body);
      renameSync(`${o.out}.part`, o.out);
    });

  sub(program, 'status', 'node summary: segments, bytes stored against the ceiling, deliveries by state')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const s = await client().json<{ node_id: string; segments: number; stored_bytes: number; disk_ceiling_bytes: number; entries: StateCounts; peers: number; inflight: number }>('GET', '/v1/local/status');
      emit(o.json, s, () => [
        `node:       ${s.node_id}`,
        `segments:   ${s.segments}`,
        `stored:     ${s.stored_bytes} of ${s.disk_ceiling_bytes} bytes (${((100 * s.stored_bytes) / s.disk_ceiling_bytes).toFixed(1)} %)`,
        `peers:      ${s.peers}`,
        `deliveries: ${counts(s.entries)}`,
      ].join('\n'));
    });

  sub(program, 'segments', 'stored segments with their deliveries')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const list = await client().json<SegmentView[]>('GET', '/v1/local/segments');
      emit(o.json, list, () => table(['HASH', 'SIZE', 'FROM', 'STORED', 'DELIVERIES'], list.map((s) => [s.hash, String(s.size), s.from, s.stored_at, s.deliveries.map((d) => `${d.peer}:${d.state}`).join(' ') || '-'])));
    });

  sub(program, 'peers', 'known peers with their deliveries by state')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const list = await client().json<{ id: string; address: string; entries: StateCounts }[]>('GET', '/v1/local/peers');
      emit(o.json, list, () => table(['PEER', 'ADDRESS', 'DELIVERIES'], list.map((p) => [p.id, p.address, counts(p.entries)])));
    });

  const dead = sub(program, 'deadletter', 'list, retry or purge deliveries that ran out of retries');
  sub(dead, 'list', 'deliveries in Deadletter')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const list = await client().json<EntryView[]>('GET', '/v1/local/deadletter');
      emit(o.json, list, () => table(['ID', 'FAILURES', 'SINCE', 'LAST ERROR'], list.map((e) => [e.id, String(e.failures), e.updated_at, e.last_error ?? '-'])));
    });
  for (const [name, description] of [
    ['retry', 'schedule Deadletter deliveries again, with a fresh retry budget'],
    ['purge', "forget Deadletter deliveries; a segment's file goes once no delivery needs it"],
  ] as const) {
    sub(dead, name, description)
      .argument('[ids...]', 'entry ids (SEGMENT@PEER) or unique prefixes')
      .option('--all', 'every Deadletter delivery')
      .option('--json', 'print JSON')
      .action(async (ids: string[], o: { all?: boolean; json?: boolean }) => {
        if (!o.all && ids.length === 0) throw new AutonomyError('usage', `name the entries to ${name}, or use --all`);
        if (o.all && ids.length > 0) throw new AutonomyError('usage', 'give entry ids or --all, not both');
        const r = await client().json<{ retried?: string[]; purged?: string[]; removed?: string[] }>('POST', `/v1/local/deadletter/${name}`, o.all ? { all: true } : { ids });
        emit(o.json, r, () => {
          const lines = (r.retried ?? r.purged ?? []).map((id) => `${name === 'retry' ? 'retried' : 'purged'} ${id}`);
          for (const h of r.removed ?? []) lines.push(`removed segment ${h}`);
          return lines.length > 0 ? lines.join('\n') : 'nothing to do';
        });
      });
  }
  return program;
}

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new AutonomyError('file_unreadable', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
}

function counts(c: StateCounts): string {
  return Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ');
}

/** Left-aligned columns; the last column is not padded. */
function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '(none)';
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

await runProgram('edgectl', buildProgram);
