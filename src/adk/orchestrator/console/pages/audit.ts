// Audit: the fleet's verified decision records searched by node, time window, tool and decision;
// a chart of allows and denies over time (for the fleet, or the node searched); each node's
// chain verification status; export of the same search as CSV or JSON Lines (the admin API).
import { parseTime } from '../../../audit/export.ts';
import type { OrchestratorService } from '../../service.ts';
import type { AuditQuery, StoredRecord } from '../../types.ts';
import { html, jsonScript, type Html } from '../html.ts';
import { alert, badge, field, type Page } from '../layout.ts';

/** Rows shown in the table; the chart and the export cover the whole search. */
const SHOWN = 200;
/** Nodes listed in the chain table and offered in the node menu; beyond, the node is typed. */
const NODES_SHOWN = 200;
/** Records a search reads for the chart. */
const CHART_LIMIT = 50_000;
const BUCKETS_S = [1, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400];

/** Allow and deny counts per time bucket (x in seconds since the epoch), at most ~60 buckets plus an empty one at each end. */
export function decisionSeries(rows: readonly StoredRecord[]): { x: number[]; allow: number[]; deny: number[]; bucket: number } {
  // Times are the nodes' own: clamped so that an absurd one still charts (at the far end).
  const times = rows.filter((r) => r.decision === 'allow' || r.decision === 'deny').map((r) => ({ s: Math.min(Number.MAX_SAFE_INTEGER, Number(BigInt(r.time) / 1_000_000_000n)), d: r.decision }));
  if (times.length === 0) return { x: [], allow: [], deny: [], bucket: 60 };
  const min = Math.min(...times.map((t) => t.s));
  const max = Math.max(...times.map((t) => t.s));
  // Beyond the largest bucket, one that still keeps the count bounded: a node's record decades
  // off must not make the page allocate a bucket for every week in between.
  const bucket = BUCKETS_S.find((b) => (max - min) / b <= 60) ?? Math.ceil((max - min) / 58);
  // One empty bucket on either side: the bars at the edges show whole, and a single bucket
  // still gives the chart a time range.
  const start = Math.floor(min / bucket) * bucket - bucket;
  const n = Math.floor((max - start) / bucket) + 2;
  const out = { x: Array.from({ length: n }, (_, i) => start + i * bucket), allow: new Array<number>(n).fill(0), deny: new Array<number>(n).fill(0), bucket };
  for (const t of times) out[t.d as 'allow' | 'deny'][Math.floor((t.s - start) / bucket)]!++;
  return out;
}

const FIELDS = ['node', 'since', 'until', 'tool', 'decision'] as const;

/** The search the query string names (errors are the operator's: shown, not thrown). */
function searchOf(q: URLSearchParams): { query: AuditQuery; error: string | null; values: Record<(typeof FIELDS)[number], string> } {
  const values = Object.fromEntries(FIELDS.map((k) => [k, (q.get(k) ?? '').trim()])) as Record<(typeof FIELDS)[number], string>;
  const query: AuditQuery = {};
  try {
    if (values.node) query.node = values.node;
    if (values.tool) query.tool = values.tool;
    if (values.decision === 'allow' || values.decision === 'deny') query.decision = values.decision;
    if (values.since) query.since = parseTime(values.since, 'since');
    if (values.until) query.until = parseTime(values.until, 'until');
    return { query, error: null, values };
  } catch (e) {
    return { query, error: (e as Error).message, values };
  }
}

function exportLink(values: Record<string, string>, format: 'csv' | 'jsonl'): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) q.set(k, v);
  q.set('format', format);
  return `/v1/admin/audit?${q}`;
}

/** A record's time (ns, as the node wrote it) in ISO 8601, or null when no date can hold it. */
function isoOf(ns: string): string | null {
  const d = new Date(Number(BigInt(ns) / 1_000_000n));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function recordsTable(rows: readonly StoredRecord[]): Html {
  if (rows.length === 0) return html`<p class="muted">No record matches.</p>`;
  return html`<table>
<caption>${rows.length > SHOWN ? `The first ${SHOWN} of ${rows.length} records` : `${rows.length} record${rows.length === 1 ? '' : 's'}`}</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Node</th><th scope="col">Seq</th><th scope="col">Tool</th><th scope="col">Decision</th><th scope="col">Reasons</th></tr></thead>
<tbody>${rows.slice(0, SHOWN).map((r) => {
  const rec = JSON.parse(r.record) as { reasons?: unknown };
  const reasons = Array.isArray(rec.reasons) ? rec.reasons.map(String).join('; ') : '';
  const t = isoOf(r.time);
  return html`<tr><td>${t === null ? html`<code>${r.time}</code>` : html`<time datetime="${t}">${t.replace('T', ' ').replace('Z', '')}</time>`}</td><td><code>${r.node}</code></td><td>${r.seq}</td><td>${r.tool ?? '–'}</td><td>${r.decision ? badge(r.decision) : r.kind}</td><td>${reasons}</td></tr>`;
})}</tbody>
</table>`;
}

/** The audit page. */
export async function auditPage(svc: OrchestratorService, q: URLSearchParams): Promise<Page> {
  const { query, error, values } = searchOf(q);
  const nodes = await svc.listNodes();
  const rows = error ? [] : await svc.queryAudit({ ...query, limit: CHART_LIMIT });
  const series = decisionSeries(rows);
  const allows = series.allow.reduce((a, b) => a + b, 0);
  const denies = series.deny.reduce((a, b) => a + b, 0);
  // Flagged nodes first (they need an operator), then the rest in id order, at most NODES_SHOWN.
  const chosen = nodes.filter((n) => !values.node || n.id === values.node);
  const chains = [...chosen.filter((n) => n.audit_flag), ...chosen.filter((n) => !n.audit_flag)].slice(0, NODES_SHOWN);
  const flagged = chosen.filter((n) => n.audit_flag).length;
  const scope = values.node ? `node ${values.node}` : 'the fleet';
  return {
    title: 'Audit',
    section: '/console/audit',
    chart: true,
    body: html`<form class="filters" method="get" action="/console/audit" role="search" aria-label="Search the audit log">
${field('Node', 'f-node', nodes.length > NODES_SHOWN
  ? html`<input id="f-node" name="node" value="${values.node}" placeholder="all nodes" autocomplete="off">`
  : html`<select id="f-node" name="node"><option value="">all nodes</option>${nodes.map((n) => html`<option value="${n.id}"${n.id === values.node ? html` selected` : ''}>${n.id}</option>`)}</select>`)}
${field('Tool', 'f-tool', html`<input id="f-tool" name="tool" value="${values.tool}" placeholder="fs.read" autocomplete="off">`)}
${field('Decision', 'f-decision', html`<select id="f-decision" name="decision"><option value="">any</option>${['allow', 'deny'].map((d) => html`<option${d === values.decision ? html` selected` : ''}>${d}</option>`)}</select>`)}
${field('Since', 'f-since', html`<input id="f-since" name="since" value="${values.since}" placeholder="2026-11-24T10:00:00Z" autocomplete="off">`)}
${field('Until', 'f-until', html`<input id="f-until" name="until" value="${values.until}" placeholder="ISO 8601 or ns" autocomplete="off">`)}
<button type="submit">Search</button>
</form>
${error ? alert(error) : ''}
<p class="export">Export this search: <a href="${exportLink(values, 'csv')}" download="audit.csv">CSV</a> · <a href="${exportLink(values, 'jsonl')}" download="audit.jsonl">JSON Lines</a></p>
<figure class="chart" aria-labelledby="chart-caption">
<div id="chart" role="img" aria-label="Decisions over time for ${scope}: ${allows} allowed, ${denies} denied"></div>
<figcaption id="chart-caption">Decisions over time for ${scope} (${allows} allowed, ${denies} denied; ${series.bucket} s buckets)</figcaption>
</figure>
${jsonScript('chart-data', series)}
${recordsTable(rows)}
<section aria-labelledby="chains-title">
<h2 id="chains-title">Chain verification</h2>
<p>Every upload is verified against the node's key and hash chain before it is stored; a node whose upload failed is flagged until an operator clears it.</p>
<p class="summary">${chosen.length} node${chosen.length === 1 ? '' : 's'}: ${flagged} flagged${chosen.length > chains.length ? `; showing the first ${chains.length} (flagged first); search a node to see its own` : ''}</p>
<table>
<thead><tr><th scope="col">Node</th><th scope="col">Status</th><th scope="col">Records held</th></tr></thead>
<tbody>${chains.map((n) => html`<tr><th scope="row"><code>${n.id}</code></th><td>${n.audit_flag ? html`${badge('tampered')} ${n.audit_flag}` : n.audit_seq === null ? html`<span class="muted">no uploads</span>` : badge('verified')}</td><td>${n.audit_seq === null ? '–' : `to seq ${n.audit_seq}`}</td></tr>`)}</tbody>
</table>
</section>`,
  };
}
