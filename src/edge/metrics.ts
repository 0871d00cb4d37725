// GET /metrics in the Prometheus text format, rendered from the ledger and the store at scrape
// time: nothing to keep in sync, and the figures cannot drift from the state they describe.
import { STATES } from './ledger.ts';
import type { EdgeNode } from './edge-node.ts';

/** Counters the server keeps about requests it refused, by error code. */
export class RequestCounters {
  readonly rejected = new Map<string, number>();
  receivedBytes = 0;
  received = 0;

  reject(code: string): void {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1);
  }
}

/** The exposition text. */
export function renderMetrics(node: EdgeNode, req: RequestCounters): string {
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [Record<string, string>, number][]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) {
      const l = Object.entries(labels).map(([k, val]) => `${k}="${val.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${v}`);
    }
  };
  const perPeer = node.peers();
  const counts = node.counts();
  metric('edge_entries', 'gauge', 'Ledger entries (segment, peer) by delivery state.', STATES.map((s) => [{ state: s }, counts[s]]));
  metric('edge_peer_entries', 'gauge', 'Ledger entries by peer and delivery state.', perPeer.flatMap((p) => STATES.map((s): [Record<string, string>, number] => [{ peer: p.id, state: s }, p.entries[s]])));
  metric('edge_store_bytes', 'gauge', 'Bytes held by stored segments.', [[{}, node.store.usedBytes()]]);
  metric('edge_store_ceiling_bytes', 'gauge', 'disk_ceiling_bytes: writes beyond it are refused with 507.', [[{}, node.store.ceilingBytes]]);
  metric('edge_store_segments', 'gauge', 'Stored segments.', [[{}, node.store.count()]]);
  const t = node.ledger.transitions;
  const count = (pred: (from: string, to: string) => boolean): number => [...t].filter(([k]) => pred(...(k.split('→') as [string, string]))).reduce((a, [, v]) => a + v, 0);
  metric('edge_transitions_total', 'counter', 'Ledger state transitions since start.', [...t].sort().map(([k, v]) => {
    const [from, to] = k.split('→') as [string, string];
    return [{ from, to }, v];
  }));
  metric('edge_retries_total', 'counter', 'Failed deliveries rescheduled after their backoff.', [[{}, count((f, to) => f === 'Failed' && to === 'Scheduled')]]);
  metric('edge_deadletters_total', 'counter', 'Deliveries moved to Deadletter after max_retries.', [[{}, count((_f, to) => to === 'Deadletter')]]);
  metric('edge_acked_total', 'counter', 'Deliveries acknowledged by their peer.', [[{}, count((_f, to) => to === 'Acked')]]);
  metric('edge_received_segments_total', 'counter', 'Segment deliveries accepted from peers (including repeats).', [[{}, req.received]]);
  metric('edge_received_bytes_total', 'counter', 'Bytes of segment deliveries accepted from peers.', [[{}, req.receivedBytes]]);
  metric('edge_rejected_requests_total', 'counter', 'Requests refused, by error code.', [...req.rejected].sort().map(([code, v]) => [{ code }, v]));
  return `${out.join('\n')}\n`;
}
