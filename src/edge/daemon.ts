// Assembles a running node from its configuration: file store, file ledger, scheduler, HTTP
// server; and takes it down again. src/cli/edged.ts is only argument parsing around this.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AutonomyError } from '../common/errors.ts';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { HttpTransport } from './client.ts';
import { systemClock, systemTimers, type Clock, type Timers } from './clock.ts';
import { ADDR_FILE, type EdgeConfig } from './config.ts';
import { EdgeNode } from './edge-node.ts';
import { Ledger } from './ledger.ts';
import { FileLedgerLog } from './ledger-file.ts';
import { RequestSigner, RequestVerifier } from './protocol.ts';
import { Scheduler } from './scheduler.ts';
import { createEdgeServer } from './server.ts';
import { FileBlobs, SegmentStore } from './segment-store.ts';

export interface Daemon {
  node: EdgeNode;
  server: Server;
  /** The base URL the daemon listens on. */
  url: string;
  /** Stops accepting, lets sends in flight finish and be recorded, closes the ledger. */
  close(): Promise<void>;
}

export interface DaemonOptions {
  clock?: Clock;
  timers?: Timers;
  log?: (line: string) => void;
  /** Called when the relay cannot go on (the ledger could not be written). */
  onFatal?: (e: unknown) => void;
  /** Leave the scheduler stopped (the benchmark starts it itself). */
  paused?: boolean;
}

/**
 * Takes ROOT/edged.lock so two daemons never share a ledger. A lock whose process is gone
 * (after a SIGKILL) is taken over. Returns the release function.
 */
function lockRoot(root: string): () => void {
  const path = join(root, 'edged.lock');
  for (;;) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(readFileSync(path, 'utf8').trim());
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
      throw new AutonomyError('root_locked', `${root} is in use by edged process ${holder}; one root, one daemon`);
    }
    rmSync(path, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Opens the node's state under config.root and starts serving. */
export async function startDaemon(config: EdgeConfig, opts: DaemonOptions = {}): Promise<Daemon> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? ((line: string) => process.stderr.write(`edged[${config.nodeId}]: ${line}\n`));
  mkdirSync(config.root, { recursive: true, mode: 0o700 });
  const releaseLock = lockRoot(config.root);
  const blobs = new FileBlobs(config.root);
  const store = new SegmentStore(blobs, config.diskCeilingBytes);
  const ledgerLog = new FileLedgerLog(join(config.root, 'ledger.jsonl'));
  const ledger = await Ledger.open(ledgerLog, clock);
  if (ledgerLog.tornBytes > 0) log(`cut ${ledgerLog.tornBytes} bytes of an unfinished ledger write off the tail (never acknowledged)`);

  const signer = new RequestSigner(config.nodeId, config.privateKey, clock);
  const transport = new HttpTransport(new Map(config.knownPeers.map((p) => [p.id, p.address])), store, signer, config.requestTimeoutMs);
  const fatal = opts.onFatal ?? ((e: unknown) => {
    log(`fatal: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(3);
  });
  const scheduler = new Scheduler(ledger, transport, clock, opts.timers ?? systemTimers, {
    backoffMs: config.backoffMs,
    maxRetries: config.maxRetries,
    maxInflightPerPeer: config.maxInflightPerPeer,
    onFatal: fatal,
  });
  const node = new EdgeNode(store, ledger, scheduler, { nodeId: config.nodeId, peers: config.knownPeers, retentionMs: config.retentionMs, clock, onFatal: fatal });
  const missing = await node.reconcile();
  for (const h of missing) log(`segment ${h} is in the ledger but its file is gone; its deliveries will fail and reach Deadletter`);

  const { server } = createEdgeServer({
    node,
    peers: new RequestVerifier(config.nodeId, new Map(config.knownPeers.map((p) => [p.id, p.publicKey])), config.maxClockSkewMs, clock),
    control: new RequestVerifier(config.nodeId, new Map([[config.nodeId, config.publicKey]]), config.maxClockSkewMs, clock),
    maxSegmentBytes: config.maxSegmentBytes,
    log,
  });
  // Large segments on slow links: do not cut a delivery off at Node's default request timeout.
  server.requestTimeout = Math.max(config.requestTimeoutMs, 60_000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      releaseLock();
      reject(new AutonomyError('listen_failed', `${config.file}: listen: cannot listen on ${config.listenHost}:${config.listenPort} (${e.code ?? e.message})`, { cause: e }));
    });
    server.listen(config.listenPort, config.listenHost, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  writeFileSync(join(config.root, ADDR_FILE), `${url}\n`);

  // Retention runs on a fixed period; a sweep is cheap when nothing has expired.
  const sweepEvery = Math.min(config.retentionMs ?? 60_000, 60_000);
  let sweeping = Promise.resolve();
  const sweeper = setInterval(() => {
    // Chained, so a slow sweep is never overlapped by the next one.
    sweeping = sweeping.then(() => node.sweep()).then(
      (gone) => {
        if (gone.length > 0) log(`retention removed ${gone.length} acked segment(s) older than ${config.retentionMs} ms`);
      },
      // A failed removal is retried by the next sweep; a broken ledger stops the relay anyway.
      (e: unknown) => log(`retention sweep failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  }, Math.max(sweepEvery, 50));
  sweeper.unref();
  if (!opts.paused) scheduler.start();

  return {
    node,
    server,
    url,
    async close() {
      clearInterval(sweeper);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await scheduler.stop();
      await sweeping;
      transport.close();
      await ledger.commit();
      await ledgerLog.close();
      await blobs.close();
      rmSync(join(config.root, ADDR_FILE), { force: true });
      releaseLock();
    },
  };
}
