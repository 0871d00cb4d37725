// The store's tables, written once for both databases. Times are BIGINT milliseconds; JSON is
// TEXT (queried only by the store, never inside SQL); audit record times stay nanosecond text.
// Tables added since version 1 are created by the same IF NOT EXISTS pass, so an older database
// gains them at the next start without a version change.
import type { Dialect } from './driver.ts';
import { operatorSchemaSql } from './operator-store.ts';

/** Bumped when a table changes shape; a database with another version is refused. */
export const SCHEMA_VERSION = 1;

/** The DDL that creates every table if missing. */
export function schemaSql(d: Dialect): string {
  return `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
  hash TEXT PRIMARY KEY,
  labels TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  used_by TEXT
);
CREATE TABLE IF NOT EXISTS nodes (
  id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  labels TEXT NOT NULL,
  enrolled_at BIGINT NOT NULL,
  last_seen BIGINT,
  desired_revision TEXT,
  desired_source TEXT,
  desired_version BIGINT NOT NULL DEFAULT 0,
  confirmed_revision TEXT,
  report_status TEXT,
  failed_revision TEXT,
  report_error TEXT,
  reported_at BIGINT,
  audit_seq BIGINT,
  audit_hash TEXT,
  audit_segment TEXT,
  audit_end BIGINT,
  audit_record TEXT,
  audit_flag TEXT
);
CREATE TABLE IF NOT EXISTS bundles (
  revision TEXT PRIMARY KEY,
  digest TEXT NOT NULL,
  size BIGINT NOT NULL,
  bytes ${d.bytes} NOT NULL,
  pushed_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS rollouts (
  id TEXT PRIMARY KEY,
  revision TEXT NOT NULL REFERENCES bundles(revision),
  selector TEXT NOT NULL,
  phases TEXT NOT NULL,
  max_failures BIGINT NOT NULL,
  phase_timeout_ms BIGINT NOT NULL,
  pause_ms BIGINT NOT NULL,
  state TEXT NOT NULL,
  phase BIGINT NOT NULL,
  phase_started_at BIGINT,
  phase_done_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  reason TEXT
);
CREATE INDEX IF NOT EXISTS rollouts_state ON rollouts (state);
CREATE TABLE IF NOT EXISTS targets (
  rollout_id TEXT NOT NULL REFERENCES rollouts(id),
  node_id TEXT NOT NULL REFERENCES nodes(id),
  position BIGINT NOT NULL,
  state TEXT NOT NULL,
  previous_revision TEXT,
  assigned_at BIGINT,
  error TEXT,
  PRIMARY KEY (rollout_id, node_id)
);
CREATE INDEX IF NOT EXISTS targets_node ON targets (node_id);
CREATE TABLE IF NOT EXISTS audit_records (
  node_id TEXT NOT NULL REFERENCES nodes(id),
  seq BIGINT NOT NULL,
  time TEXT NOT NULL,
  kind TEXT NOT NULL,
  tool TEXT,
  decision TEXT,
  hash TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (node_id, seq)
);
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (time);
CREATE INDEX IF NOT EXISTS audit_records_order ON audit_records (time, node_id, seq);
CREATE TABLE IF NOT EXISTS audit_anchors (
  node_id TEXT PRIMARY KEY REFERENCES nodes(id),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  record TEXT NOT NULL,
  pruned_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS gateways (
  node_id TEXT PRIMARY KEY REFERENCES nodes(id),
  allowed BIGINT NOT NULL,
  changed_at BIGINT NOT NULL,
  flag TEXT
);
CREATE TABLE IF NOT EXISTS node_relays (
  node_id TEXT PRIMARY KEY REFERENCES nodes(id),
  via TEXT NOT NULL,
  seen_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_deliveries (
  node_id TEXT NOT NULL REFERENCES nodes(id),
  first_seq BIGINT NOT NULL,
  last_seq BIGINT NOT NULL,
  via TEXT,
  segment TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (node_id, first_seq)
);
CREATE TABLE IF NOT EXISTS admin_events (
  seq BIGINT PRIMARY KEY,
  time BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
${operatorSchemaSql()}`;
}
