// `edged`: the edge relay daemon. Parses arguments, loads the config, runs until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { loadConfig } from '../edge/config.ts';
import { startDaemon } from '../edge/daemon.ts';
import { newProgram, runMain } from './main.ts';

/** Builds the command; exported so tests can inspect it without spawning a process. */
export function buildProgram(): Command {
  return newProgram('edged', 'Edge relay daemon: stores content-addressed segments and relays them to configured peers with bounded retries and a deadletter.')
    .requiredOption('-c, --config <file>', 'edge.yaml (see docs/edge.md)');
}

await runMain('edged', async () => {
  // Every stored segment holds a libuv thread through its fsync, and so do the directory and
  // ledger syncs; the default pool of 4 would queue them behind each other. Read by libuv on
  // first use of the pool, which has not happened yet.
  process.env['UV_THREADPOOL_SIZE'] ??= '16';
  const program = buildProgram();
  program.parse(process.argv);
  const config = loadConfig(program.opts<{ config: string }>().config);
  const daemon = await startDaemon(config);
  process.stdout.write(`edged: node ${config.nodeId} listening on ${daemon.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      daemon.close().then(resolve, (e: unknown) => {
        process.stderr.write(`edged: error while stopping: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 3;
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
});
