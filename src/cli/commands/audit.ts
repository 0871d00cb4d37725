// `autonomy audit …`: thin wrappers over src/adk/audit. Heavy modules load inside the actions
// so that `autonomy --help` stays fast.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { AutonomyError, ExitCode } from '../../common/errors.ts';
// The kinds only: record.ts is a small module without the crypto and file-system parts.
import { RecordKind } from '../../adk/audit/record.ts';

const STATE_HELP = 'state directory (default: $AUTONOMY_STATE_DIR or ./.autonomy)';

/** The state directory a command works on. */
export function stateDir(opt: string | undefined): string {
  return resolve(opt ?? process.env['AUTONOMY_STATE_DIR'] ?? '.autonomy');
}

const out = (s: string): boolean => process.stdout.write(s);
const err = (s: string): boolean => process.stderr.write(s);

/** Registers `autonomy audit` and its subcommands on the program. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident decision log (WAL): verify, read, export, quarantine');

  audit
    .command('verify')
    .description('check every record, the hash chain, segment order and checkpoint signatures; exit 1 at the first bad seq')
    .option('--state <dir>', STATE_HELP)
    .option('--pubkey <file>', 'trusted public key (PEM) to check checkpoint signatures; default: STATE/node.pub')
    .option('--json', 'print the report as JSON')
    .action(async (o: { state?: string; pubkey?: string; json?: boolean }) => {
      const { verifyWal, walDir, isoTime } = await import('../../adk/audit/index.ts');
      const { loadPublicKey } = await import('../../common/ed25519.ts');
      const state = stateDir(o.state);
      const keyFile = o.pubkey ?? join(state, 'node.pub');
      const haveKey = o.pubkey !== undefined || existsSync(keyFile);
      const publicKey = haveKey ? loadPublicKey(readText(keyFile), keyFile) : undefined;
      const tty = process.stderr.isTTY === true && !o.json;
      const report = await verifyWal(walDir(state), {
        publicKey,
        onProgress: tty ? (p) => err(`\rverifying: segment ${p.segmentsDone}/${p.segmentsTotal}, ${p.records} records, ${(p.bytes / 1048576).toFixed(1)} MiB`) : undefined,
      });
      if (tty) err('\n');
      if (o.json) out(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const range = report.firstSeq === null ? 'no records' : `seq ${report.firstSeq}..${report.lastSeq}`;
        if (report.problem) {
          const p = report.problem;
          out(`FAILED at seq ${p.seq} (${p.segment}, offset ${p.offset}): ${p.code}: ${p.reason}\n`);
          out(`intact before it: ${report.records} records, ${range}${report.headHash ? `, head ${report.headHash}` : ''}\n`);
        } else {
          out(`ok: ${report.records} records, ${range}\n`);
          out(`head: ${report.headHash}\n`);
        }
        const cp = report.lastCheckpoint;
        out(`last signed checkpoint: ${cp ? `seq ${cp.seq} at ${isoTime(cp.time)} (key ${cp.keyId})` : 'none'}${report.unsealed ? `; ${report.unsealed} records after it not yet sealed` : ''}\n`);
        if (report.liveWriter !== null) out(`open for append by process ${report.liveWriter}\n`);
        out(report.signaturesChecked ? `signatures: checked against ${keyFile}${o.pubkey ? '' : ' (pass --pubkey with a trusted copy to rule out a replaced key)'}\n` : `signatures: NOT checked (no public key at ${keyFile}; pass --pubkey)\n`);
      }
      process.exitCode = report.ok ? ExitCode.ok : ExitCode.negative;
    });

  audit
    .command('tail')
    .description('print the last records; with -f keep printing new ones')
    .option('--state <dir>', STATE_HELP)
    .option('-n, --lines <n>', 'how many records', '10')
    .option('-f, --follow', 'keep printing records as they are appended (Ctrl-C to stop)')
    .option('--json', 'one JSON object per line')
    .action(async (o: { state?: string; lines: string; follow?: boolean; json?: boolean }) => {
      const { readLog, readNewRecords, walDir, jsonLine, humanLine } = await import('../../adk/audit/index.ts');
      const n = count(o.lines, '--lines');
      const dir = walDir(stateDir(o.state));
      const print = o.json ? jsonLine : humanLine;
      const last: Parameters<typeof print>[0][] = [];
      const scan = await readLog(dir, (r) => {
        last.push(r);
        if (last.length > n) last.shift();
      });
      for (const r of last) out(print(r));
      if (scan.damage) return damaged(scan.damage);
      if (!o.follow) return;
      let pos = { segment: scan.head?.segment ?? scan.segments[0]!.name, offset: scan.head?.end ?? 0 };
      err(`following ${dir} after seq ${scan.head?.seq ?? 0} (Ctrl-C to stop)\n`);
      for (;;) {
        await new Promise((r) => setTimeout(r, 250));
        pos = await readNewRecords(dir, pos, (r) => out(print(r)));
      }
    });

  audit
    .command('export')
    .description('write records to stdout as JSON Lines or CSV, filtered')
    .option('--state <dir>', STATE_HELP)
    .option('--since <time>', 'records at or after this time (ISO 8601, or nanoseconds since the epoch)')
    .option('--until <time>', 'records before this time')
    .option('--tool <name>', 'only this tool')
    .addOption(new Option('--decision <d>', 'only allows or denies').choices(['allow', 'deny']))
    .addOption(new Option('--kind <kind>', 'only this record kind').choices(Object.values(RecordKind)))
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .action(async (o: { state?: string; since?: string; until?: string; tool?: string; decision?: 'allow' | 'deny'; kind?: string; format: 'jsonl' | 'csv' }) => {
      const { readRecords, walDir, matches, parseTime, jsonLine, csvHeader, csvLine } = await import('../../adk/audit/index.ts');
      const filter = {
        ...(o.since !== undefined && { since: parseTime(o.since, '--since') }),
        ...(o.until !== undefined && { until: parseTime(o.until, '--until') }),
        ...(o.tool !== undefined && { tool: o.tool }),
        ...(o.decision !== undefined && { decision: o.decision }),
        ...(o.kind !== undefined && { kind: o.kind }),
      };
      const line = o.format === 'csv' ? csvLine : jsonLine;
      let header = o.format === 'csv';
      const damage = await readRecords(walDir(stateDir(o.state)), (r) => {
        if (!matches(r, filter)) return;
        if (header) out(csvHeader());
        header = false;
        out(line(r));
      });
      if (header) out(csvHeader());
      if (damage) damaged(damage);
    });

  audit
    .command('show')
    .description('print the record of one decision')
    .argument('<decision_id>', 'the decision_id the runtime returned')
    .option('--state <dir>', STATE_HELP)
    .action(async (id: string, o: { state?: string }) => {
      const { readRecords, walDir, isoTime } = await import('../../adk/audit/index.ts');
      let found = 0;
      const damage = await readRecords(walDir(stateDir(o.state)), (r) => {
        if (r.decision_id !== id) return;
        found++;
        out(`${JSON.stringify({ ...r, time_iso: isoTime(r.time) }, null, 2)}\n`);
      });
      if (damage) return damaged(damage);
      if (found === 0) {
        err(`autonomy: no record with decision_id ${JSON.stringify(id)}\n`);
        process.exitCode = ExitCode.negative;
      }
    });

  audit
    .command('pubkey')
    .description("print the node's public key (PEM), which signs the checkpoints")
    .option('--state <dir>', STATE_HELP)
    .action(async (o: { state?: string }) => {
      const { loadPrivateKey, publicPemOf } = await import('../../common/ed25519.ts');
      const state = stateDir(o.state);
      const keyFile = join(state, 'node.key');
      if (!existsSync(keyFile)) throw new AutonomyError('key_not_found', `no node key at ${keyFile} (it is created when the WAL is first opened)`);
      out(publicPemOf(loadPrivateKey(readText(keyFile), keyFile)));
    });

  audit
    .command('quarantine')
    .description('move the damaged part of the log aside and start a new epoch that records what was moved')
    .option('--state <dir>', STATE_HELP)
    .action(async (o: { state?: string }) => {
      const { quarantineWal, walDir } = await import('../../adk/audit/index.ts');
      const { loadPrivateKey } = await import('../../common/ed25519.ts');
      const state = stateDir(o.state);
      const keyFile = join(state, 'node.key');
      if (!existsSync(keyFile)) throw new AutonomyError('key_not_found', `no node key at ${keyFile}; the new epoch must be signed by the node`);
      const q = await quarantineWal({ dir: walDir(state), key: loadPrivateKey(readText(keyFile), keyFile) });
      if (!q) {
        out('nothing to quarantine: the log has no damage (a torn tail is cut when the WAL is next opened)\n');
        return;
      }
      out(`quarantined seq ${q.from_seq}..${q.to_seq} (${q.code}: ${q.reason})\n`);
      out(`moved ${q.files.length} file(s), ${q.bytes} bytes, sha256 ${q.sha256}, to ${join(walDir(state), q.moved_to)}\n`);
      out(`epoch ${q.epoch} starts at seq ${q.seq} with a quarantine record naming them\n`);
    });
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new AutonomyError('file_unreadable', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

function count(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new AutonomyError('bad_option', `${flag} must be a non-negative integer, not ${JSON.stringify(text)}`);
  return n;
}

function damaged(d: { segment: string; offset: number; seq: number; code: string; reason: string }): void {
  err(`autonomy: wal_tampered: the log is damaged at seq ${d.seq} (${d.segment}, offset ${d.offset}): ${d.code}: ${d.reason}; records after it were not read (run \`autonomy audit verify\`)\n`);
  process.exitCode = ExitCode.negative;
}
