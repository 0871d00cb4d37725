// Wires a NodeAgent to a started runtime: bundles (downloaded, or handed on by a gateway through
// the edge relay) land in the runtime's own policy store (so the node's --trust keys decide), the
// decision server reloads, the WAL is what gets uploaded.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { walDir, type Wal } from '../audit/index.ts';
import { AutonomyError, isAutonomyError } from '../../common/errors.ts';
import { sha256Hex } from '../../common/hash.ts';
import { contentDigest, readArchive } from '../bundle/index.ts';
import type { StorePolicySource } from './bundle-source.ts';
import { ControlClient } from '../../edge/control-client.ts';
import { loadConfig } from '../../edge/config.ts';
import { EdgeHandoff } from '../orchestrator/agent/edge-handoff.ts';
import { enrolledClient, nodeKey, readActiveName, readReportSeq, readUploadPosition, writeActiveName, writeReportSeq, writeUploadPosition } from './node-enroll.ts';
import { NodeAgent } from './node-agent.ts';
import { isActive } from './policy-source.ts';
import type { Runtime } from './runtime.ts';

export interface AttachOptions {
  orchestrator: string;
  state: string;
  source: StorePolicySource;
  wal: Pick<Wal, 'checkpoint'>;
  say: (line: string) => void;
  /** Seal-and-upload period of the audit loop (default 5 s). */
  uploadEveryMs?: number;
  /** Hand sealed audit to the local edged of this config (for a gateway to upload) instead of uploading it. */
  auditRelay?: { config: string; to: readonly string[]; heartbeatMs?: number } | undefined;
}

/** Starts the node agent of rt; it stops when rt closes. Refuses a node that is not enrolled. */
export function attachNodeAgent(rt: Runtime, o: AttachOptions): NodeAgent {
  const client = enrolledClient(o.state, o.orchestrator);
  const current = rt.policy.current();
  const handoff = o.auditRelay ? edgeHandoff(o.state, client.nodeId, o.auditRelay) : null;
  const agent = new NodeAgent({
    client,
    // The orchestrator's name for what is active, if it pushed it under another name than the manifest's.
    active: isActive(current) ? (readActiveName(o.state, current.digest, o.say) ?? current.revision) : null,
    walDir: walDir(o.state),
    // Without a route, audit and status reports go through the local edged to a gateway.
    ...(handoff && { auditSink: handoff, statusRelay: handoff, desiredRelay: handoff }),
    ...(o.auditRelay?.heartbeatMs !== undefined && { relayHeartbeatMs: o.auditRelay.heartbeatMs }),
    reportSeqFrom: readReportSeq(o.state, o.say),
    onReportSeq: (seq) => writeReportSeq(o.state, seq),
    seal: () => o.wal.checkpoint(),
    // A restart resumes uploads where they stopped instead of re-sending the whole WAL.
    uploadFrom: readUploadPosition(o.state, o.say),
    onUploaded: (pos) => writeUploadPosition(o.state, pos),
    say: o.say,
    ...(o.uploadEveryMs !== undefined && { uploadEveryMs: o.uploadEveryMs }),
    activate: async (revision, bytes) => {
      // The store activates from a path; the download is kept only until it is copied in.
      const dir = join(o.state, 'incoming');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `${sha256Hex(bytes).slice(0, 16)}.tar.gz`);
      writeFileSync(file, bytes, { mode: 0o600 });
      try {
        await o.source.activate(file);
      } catch (e) {
        // An orchestrator rollback to an older revision is a downgrade the store refuses to
        // activate; going back is allowed only to a version this node activated and still holds,
        // re-verified against its trust roots (the orchestrator can reorder policy, never forge it).
        if (!(isAutonomyError(e) && e.code === 'bundle_downgrade')) throw e;
        await rollbackOr(o.source, bytes, e);
      } finally {
        rmSync(file, { force: true });
      }
      const st = await rt.reload();
      if (!isActive(st)) throw new AutonomyError('no_valid_policy', `revision ${revision} was activated but does not load: ${st.message}`);
      writeActiveName(o.state, revision, st.digest);
    },
  });
  agent.start();
  rt.onClose(() => agent.stop());
  o.say(`node ${client.nodeId}: following ${client.base}${o.auditRelay ? `; audit and status reports handed to edged (${o.auditRelay.config})` : ''}`);
  return agent;
}

/**
 * Rolls back to the kept version with the content of bytes, else rethrows the downgrade refusal.
 * By content, not by name: a push may name a bundle other than its manifest does (--revision),
 * and the store knows its versions by manifest revision.
 */
async function rollbackOr(source: StorePolicySource, bytes: Buffer, refusal: AutonomyError): Promise<void> {
  try {
    await source.rollback(contentDigest(readArchive(bytes)));
  } catch (e) {
    if (!isAutonomyError(e)) throw e;
    throw new AutonomyError(refusal.code, `${refusal.message}; no rollback either: ${e.toString()}`, { cause: e });
  }
}

/** The sink that hands sealed audit to the local edged; its config is read now, so a bad one stops the start. */
function edgeHandoff(state: string, nodeId: string, relay: { config: string; to: readonly string[] }): EdgeHandoff {
  const config = loadConfig(relay.config);
  for (const p of relay.to) if (!config.knownPeers.some((k) => k.id === p)) throw new AutonomyError('bad_config', `--audit-relay-to ${p}: not a known peer in ${relay.config}`);
  // The client is made on first use: edged may start after the runtime (with port 0 its address is known only then).
  let edge: ControlClient | null = null;
  return new EdgeHandoff(nodeKey(state), nodeId, { call: (method, path, body) => (edge ??= new ControlClient(config)).call(method, path, body) }, relay.to);
}
