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

/** Rows per page of the fleet table. */
export const FLEET_PAGE_SIZE = 100;

interface Filters {
  selector: string;
  status: string;
  /** 1-based; clamped to the last page when past it. */
  page: number;
}

function filtersOf(q: URLSearchParams): Filters {
  const page = Number(q.get('page') ?? '1');
  return { selector: q.get('selector') ?? '', status: q.get('status') ?? '', page: Number.isSafeInteger(page) && page >= 1 ? page : 1 };
}

/** The fleet page's URL for these filters (page 1 is left out). */
function fleetUrl(base: string, f: Filters): string {
  const q = new URLSearchParams();
  if (f.selector) q.set('selector', f.selector);
  if (f.status) q.set('status', f.status);
  if (f.page > 1) q.set('page', String(f.page));
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

/** One page of rows in the nodes' stable order (by id), with the page number clamped into range. */
export function pageOf<T>(rows: readonly T[], page: number, size: number): { rows: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const p = Math.min(Math.max(1, page), pages);
  return { rows: rows.slice((p - 1) * size, p * size), page: p, pages };
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
}

/** Links to the first, previous, next and last pages (plain links: they work without the script). */
function pager(f: Filters, page: number, pages: number): Html {
  if (pages <= 1) return html``;
  const link = (p: number, text: string, rel?: string): Html =>
    p === page || p < 1 || p > pages ? html`<span class="muted">${text}</span>` : html`<a href="${fleetUrl('/console/fleet', { ...f, page: p })}"${rel ? html` rel="${rel}"` : ''}>${text}</a>`;
  return html`<nav class="pager" aria-label="Pages of nodes">${link(1, 'First')} ${link(page - 1, 'Previous', 'prev')} <span aria-current="page">Page ${page} of ${pages}</span> ${link(page + 1, 'Next', 'next')} ${link(pages, 'Last')}</nav>`;
}

/**
 * The table of nodes (the live region's content): one page of the nodes the filters select,
 * under a summary that counts every node the selector matches by status, so the whole fleet
 * stays in view while only a page is rendered.
 */
export async function fleetTable(svc: OrchestratorService, q: URLSearchParams, staleAfterMs: number): Promise<Html> {
  const f = filtersOf(q);
  let nodes: NodeView[];
  try {
    nodes = await svc.listNodes(parseLabels(f.selector, 'selector'));
  } catch (e) {
    return alert((e as Error).message);
  }
  const now = svc.opts.now();
  const all = nodes.map((n) => ({ n, status: fleetStatus(n, now, staleAfterMs) }));
  const tally = new Map<FleetStatus, number>();
  for (const r of all) tally.set(r.status, (tally.get(r.status) ?? 0) + 1);
  const counts = FLEET_STATUSES.filter((s) => tally.has(s)).map((s) => [s, tally.get(s)!] as const);
  const matching = f.status ? all.filter((r) => r.status === f.status) : all;
  const shown = pageOf(matching, f.page, FLEET_PAGE_SIZE);
  const first = (shown.page - 1) * FLEET_PAGE_SIZE;
  return html`<p class="summary">${plural(all.length, 'node')}${counts.length ? ': ' : ''}${counts.map(([s, c], i) => html`${i ? ', ' : ''}<a href="${fleetUrl('/console/fleet', { selector: f.selector, status: s, page: 1 })}">${c.toLocaleString('en')} ${s.replace('_', ' ')}</a>`)}${
    f.status ? html` · <a href="${fleetUrl('/console/fleet', { selector: f.selector, status: '', page: 1 })}">show all</a>` : ''}</p>
${matching.length > FLEET_PAGE_SIZE ? html`<p class="summary">Showing ${(first + 1).toLocaleString('en')}–${(first + shown.rows.length).toLocaleString('en')} of ${plural(matching.length, f.status ? `${f.status.replace('_', ' ')} node` : 'node')}</p>` : ''}
${pager(f, shown.page, shown.pages)}
<table>
<caption class="visually-hidden">Nodes${shown.pages > 1 ? `, page ${shown.page} of ${shown.pages}` : ''}</caption>
<thead><tr><th scope="col">Node</th><th scope="col">Labels</th><th scope="col">Desired</th><th scope="col">Confirmed</th><th scope="col">Last seen</th><th scope="col">Status</th><th scope="col">Audit</th></tr></thead>
<tbody>
${shown.rows.length === 0 ? html`<tr><td colspan="7" class="muted">No node matches.</td></tr>` : ''}
${shown.rows.map(({ n, status }) => html`<tr>
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
  // The live region polls only the page in view.
  const live = fleetUrl('/console/fleet/live', f);
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
