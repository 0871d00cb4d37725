// `autonomy node gateway`: an enrolled node that can reach the orchestrator uploads the audit and
// status reports other nodes handed to the edge relay (their envelopes arrive in its local edged),
// and hands their desired bundles back toward them. It signs as itself; the orchestrator accepts
// that only from a node an admin allowed to relay, and still verifies every record and report
// against the node that wrote it; the nodes verify their bundles themselves.
import { ControlClient } from '../../edge/control-client.ts';
import { loadConfig } from '../../edge/config.ts';
import { GatewayUploader } from '../orchestrator/agent/gateway-uploader.ts';
import { retryLoop } from '../orchestrator/agent/retry-loop.ts';
import { DEFAULT_BACKOFF_MS } from './node-agent.ts';
import { enrolledClient, readRelayed, writeRelayed } from './node-enroll.ts';

/** Options of a gateway run. */
export interface GatewayOptions {
  state: string;
  orchestrator: string;
  /** The gateway's edged config (its control calls are signed with that config's key). */
  edgeConfig: string;
  /** Pause between rounds. */
  everyMs: number;
  say: (line: string) => void;
  /** Ends the run (default: SIGINT or SIGTERM). */
  signal?: AbortSignal;
}

/** Relays until stopped; returns the exit code. Refuses a node that is not enrolled. */
export async function runGateway(o: GatewayOptions): Promise<number> {
  const client = enrolledClient(o.state, o.orchestrator);
  const config = loadConfig(o.edgeConfig);
  let edge: ControlClient | null = null;
  const uploader = new GatewayUploader({
    client,
    // Made on first use, so a gateway may start before its edged.
    edge: { call: (method, path, body) => (edge ??= new ControlClient(config)).call(method, path, body) },
    done: readRelayed(o.state, o.say),
    onDone: (done) => writeRelayed(o.state, done),
    say: o.say,
  });
  let signal = o.signal;
  if (!signal) {
    const ac = new AbortController();
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      ac.abort();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    signal = ac.signal;
  }
  o.say(`gateway node ${client.nodeId}: relaying audit, reports and policy between edged ${config.nodeId} (${o.edgeConfig}) and ${client.base}`);
  await retryLoop({ name: 'relay', prefix: 'gateway:', step: () => uploader.syncOnce(), pauseMs: o.everyMs, backoffMs: DEFAULT_BACKOFF_MS, signal, say: o.say });
  return 0;
}
