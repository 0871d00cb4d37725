// Fleet: every node with its labels, desired vs confirmed revision, last seen and status;
// filtered by label selector and status; the table refreshes itself (live region).
import { parseLabels } from '../../enrollment/tokens.ts';
import type { NodeView, OrchestratorService } from '../../service.ts';
import { html, type Html } from '../html.ts';
import { ago, alert, badge, field, labels, type Page } from '../layout.ts';

/** What the fleet view says about a node, worst first. */
export const FLEET_STATUSES = ['failed', 'stale', 'offline', 'pending', 'in_sync', 'unmanaged'] as const;
export type FleetStatus = (typeof FLEET_STATUSES)[number];

/**
 * A node's status: failed (its desired revision failed to activate), stale (unseen for longer
 * than staleAfterMs), offline (unseen for longer than the offline threshold), pending (desired
 * not yet confirmed), in_sync, or unmanaged (nothing desired yet).
 */
export function fleetStatus(n: NodeView, now: number, staleAfterMs: number): FleetStatus {
  if (n.state === 'failed') return 'failed';
  if (n.last_seen === null || now - n.last_seen > staleAfterMs) return 'stale';
  if (!n.online) return 'offline';
  return n.state;
}

interface Filters {
  selector: string;
  status: string;
}

function filtersOf(q: URLSearchParams): Filters {
  return { selector: q.get('selector') ?? '', status: q.get('status') ?? '' };
}

/** The table of nodes (the live region's content). */
export async function fleetTable(svc: OrchestratorService, q: URLSearchParams, staleAfterMs: number): Promise<Html> {
  const f = filtersOf(q);
  let nodes: NodeView[];
  try {
    nodes = await svc.listNodes(parseLabels(f.selector, 'selector'));
  } catch (e) {
    return alert((e as Error).message);
  }
  const now = svc.opts.now();
  const rows = nodes.map((n) => ({ n, status: fleetStatus(n, now, staleAfterMs) })).filter((r) => !f.status || r.status === f.status);
  const counts = FLEET_STATUSES.map((s) => [s, rows.filter((r) => r.status === s).length] as const).filter(([, c]) => c > 0);
  return html`<p class="summary">${rows.length} node${rows.length === 1 ? '' : 's'}${counts.length ? ': ' : ''}${counts.map(([s, c], i) => html`${i ? ', ' : ''}${c} ${s.replace('_', ' ')}`)}</p>
<table>
<caption class="visually-hidden">Nodes</caption>
<thead><tr><th scope="col">Node</th><th scope="col">Labels</th><th scope="col">Desired</th><th scope="col">Confirmed</th><th scope="col">Last seen</th><th scope="col">Status</th><th scope="col">Audit</th></tr></thead>
<tbody>
${rows.length === 0 ? html`<tr><td colspan="7" class="muted">No node matches.</td></tr>` : ''}
${rows.map(({ n, status }) => html`<tr>
<th scope="row"><code>${n.id}</code></th>
<td>${labels(n.labels)}</td>
<td>${n.desired ?? '–'}</td>
<td>${n.confirmed ?? '–'}</td>
<td>${ago(n.last_seen, now)}</td>
<td>${badge(status)}${n.error ? html`<br><small>${n.error}</small>` : ''}</td>
<td>${n.audit_flag ? html`${badge('tampered')} <small>${n.audit_flag}</small>` : n.audit_seq === null ? html`<span class="muted">no uploads</span>` : html`verified to seq ${n.audit_seq}`}</td>
</tr>`)}
</tbody>
</table>`;
}

/** The fleet page. */
export async function fleetPage(svc: OrchestratorService, q: URLSearchParams, staleAfterMs: number): Promise<Page> {
  const f = filtersOf(q);
  const live = `/console/fleet/live?${new URLSearchParams({ selector: f.selector, status: f.status })}`;
  return {
    title: 'Fleet',
    section: '/console/fleet',
    body: html`<form class="filters" method="get" action="/console/fleet" role="search" aria-label="Filter nodes">
${field('Label selector', 'f-selector', html`<input id="f-selector" name="selector" value="${f.selector}" placeholder="env=prod,site=lab" autocomplete="off">`)}
${field('Status', 'f-status', html`<select id="f-status" name="status"><option value="">any</option>${FLEET_STATUSES.map((s) => html`<option value="${s}"${s === f.status ? html` selected` : ''}>${s.replace('_', ' ')}</option>`)}</select>`)}
<button type="submit">Filter</button>
</form>
<div data-live="${live}">${await fleetTable(svc, q, staleAfterMs)}</div>`,
  };
}
