// Rollouts: the list with a form to start one, and each rollout's phases as progress bars with
// their nodes, failures against the budget, and pause / resume / abort / rollback (each behind
// the confirmation dialog). Actions go to the admin API itself (console.js), so they take the
// same code path, checks and admin-log entries as the CLI's.
import type { Principal } from '../../auth/accounts.ts';
import { phaseEnds } from '../../rollout/phases.ts';
import type { OrchestratorService, RolloutStatus } from '../../service.ts';
import { isActive, type PhaseSpec, type Rollout, type Target } from '../../types.ts';
import { html, type Html } from '../html.ts';
import { badge, field, labels, time, type Page } from '../layout.ts';

const phaseName = (p: PhaseSpec): string => (p.percent !== undefined ? `${p.percent}%` : `${p.count} node${p.count === 1 ? '' : 's'}`);
const selectorText = (s: Record<string, string>): string => Object.entries(s).map(([k, v]) => `${k}=${v}`).join(',');

/** True for a target whose activation failed or timed out (also once rolled back after a halt). */
const isFailure = (t: Target): boolean => t.state === 'failed' || t.state === 'timed_out' || t.error !== null;

/** Rollouts the list shows, newest first. */
const LISTED = 100;

function bar(label: string, value: number, max: number, id: string): Html {
  return html`<div class="bar"><label for="${id}">${label}</label><progress id="${id}" max="${Math.max(max, 1)}" value="${value}">${value} of ${max}</progress></div>`;
}

function rolloutRow(s: Rollout & { targets: Target[] }): Html {
  const confirmed = s.targets.filter((t) => t.state === 'confirmed').length;
  return html`<tr>
<th scope="row"><a href="/console/rollouts/${encodeURIComponent(s.id)}">${s.id}</a></th>
<td>${s.revision}</td><td>${labels(s.selector)}</td>
<td>${badge(s.state)}${s.reason ? html`<br><small>${s.reason}</small>` : ''}</td>
<td>${bar(`${confirmed} of ${s.targets.length} confirmed`, confirmed, s.targets.length, `progress-${s.id}`)}</td>
<td>${s.targets.filter(isFailure).length} / ${s.maxFailures}</td>
<td>${time(s.createdAt)}</td>
</tr>`;
}

/** The list of rollouts (live region); reads targets only, not the fleet, once a second. */
export async function rolloutList(svc: OrchestratorService): Promise<Html> {
  const all = await svc.store.listRollouts();
  if (all.length === 0) return html`<p class="muted">No rollout yet.</p>`;
  const list = all.slice(-LISTED).reverse();
  const statuses = await Promise.all(list.map(async (r) => ({ ...r, targets: await svc.store.getTargets(r.id) })));
  return html`<table>
<caption class="visually-hidden">Rollouts, newest first${all.length > LISTED ? ` (the last ${LISTED} of ${all.length})` : ''}</caption>
<thead><tr><th scope="col">Rollout</th><th scope="col">Bundle</th><th scope="col">Selector</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Failures / budget</th><th scope="col">Created</th></tr></thead>
<tbody>${statuses.map(rolloutRow)}</tbody>
</table>`;
}

/** The rollouts page. */
export async function rolloutsPage(svc: OrchestratorService, who: Principal): Promise<Page> {
  const bundles = (await svc.store.listBundles()).reverse();
  const form = who.role !== 'admin' ? '' : html`<section aria-labelledby="start-title">
<h2 id="start-title">Start a rollout</h2>
${bundles.length === 0 ? html`<p class="muted">Push a bundle first (<code>autonomy-orchestrator bundle push FILE</code>).</p>` : html`<form class="filters" data-api="/v1/admin/rollouts" data-then="/console/rollouts/{id}" data-confirm="Start rolling out {revision} to the nodes matching {selector}?">
${field('Bundle revision', 'f-revision', html`<select id="f-revision" name="revision" required>${bundles.map((b) => html`<option>${b.revision}</option>`)}</select>`)}
${field('Label selector', 'f-selector', html`<input id="f-selector" name="selector" data-type="labels" placeholder="env=prod" autocomplete="off">`)}
${field('Phases', 'f-phases', html`<input id="f-phases" name="phases" value="1,10%,50%,100%" required>`)}
${field('Failure budget', 'f-max_failures', html`<input id="f-max_failures" name="max_failures" type="number" min="0" value="0" data-type="int">`)}
${field('Pause between phases (ms)', 'f-pause_ms', html`<input id="f-pause_ms" name="pause_ms" type="number" min="0" value="0" data-type="int">`)}
<button type="submit">Start rollout</button>
</form>`}
</section>`;
  return {
    title: 'Rollouts',
    section: '/console/rollouts',
    body: html`${form}<section aria-labelledby="list-title"><h2 id="list-title">All rollouts</h2><div data-live="/console/rollouts/live">${await rolloutList(svc)}</div></section>`,
  };
}

/** Where a rollback of this rollout's nodes should go by default: their revision before it. */
function previousRevision(s: RolloutStatus): string | null {
  return s.targets.find((t) => t.previousRevision !== null)?.previousRevision ?? null;
}

/**
 * A rollout's phases, budget, nodes and actions (live region). Times are absolute, so the region
 * changes only when the rollout does: a swap every second could eat a click on an action.
 */
export function rolloutDetail(s: RolloutStatus, who: Principal): Html {
  const ends = phaseEnds(s.phases, s.targets.length);
  const failed = s.targets.filter(isFailure).length;
  const api = `/v1/admin/rollouts/${encodeURIComponent(s.id)}`;
  const actions = who.role !== 'admin' || !isActive(s.state) ? '' : html`<div class="actions" role="group" aria-label="Rollout actions">
${s.state === 'running' ? html`<button id="act-pause" data-action="${api}/pause" data-confirm="Pause rollout ${s.id}? No further phase starts until it is resumed." data-done="Rollout paused.">Pause</button>` : ''}
${s.state === 'paused' ? html`<button id="act-resume" data-action="${api}/resume" data-confirm="Resume rollout ${s.id}?" data-done="Rollout resumed.">Resume</button>` : ''}
<button id="act-abort" class="danger" data-action="${api}/abort" data-confirm="Abort rollout ${s.id} and put every node it touched back on its previous revision?" data-done="Rollout aborted.">Abort</button>
</div>`;
  return html`<dl class="facts">
<dt>State</dt><dd>${badge(s.state)}${s.reason ? html` <span>${s.reason}</span>` : ''}</dd>
<dt>Bundle</dt><dd>${s.revision}</dd>
<dt>Selector</dt><dd>${labels(s.selector)}</dd>
<dt>Phase</dt><dd>${Math.min(s.phase + 1, s.phases.length)} of ${s.phases.length} (${s.phases.map(phaseName).join(', ')})</dd>
<dt>Failures</dt><dd><meter id="budget" min="0" max="${s.maxFailures + 1}" low="${s.maxFailures}" high="${s.maxFailures + 0.5}" optimum="0" value="${failed}" aria-label="Failures against the budget">${failed}</meter> ${failed} of a budget of ${s.maxFailures}${failed > s.maxFailures ? ' (exceeded)' : ''}</dd>
<dt>Updated</dt><dd>${time(s.updatedAt)}</dd>
</dl>
${actions}
${s.phases.map((p, i) => {
  const from = i === 0 ? 0 : ends[i - 1]!;
  const nodes = s.targets.slice(from, ends[i]);
  const confirmed = nodes.filter((t) => t.state === 'confirmed').length;
  const bad = nodes.filter(isFailure).length;
  const state = i < s.phase || s.state === 'completed' ? 'done' : i === s.phase && isActive(s.state) ? 'in progress' : nodes.every((t) => t.state === 'waiting') ? 'not started' : 'stopped';
  return html`<section class="phase" aria-labelledby="phase-${i + 1}">
<h2 id="phase-${i + 1}">Phase ${i + 1}: ${phaseName(p)} <small>(${state})</small></h2>
${bar(`${confirmed} of ${nodes.length} confirmed${bad ? `, ${bad} failed` : ''}`, confirmed, nodes.length, `phase-progress-${i + 1}`)}
${nodes.length === 0 ? html`<p class="muted">No node in this phase.</p>` : html`<table>
<caption class="visually-hidden">Nodes of phase ${i + 1}</caption>
<thead><tr><th scope="col">Node</th><th scope="col">State</th><th scope="col">Previous</th><th scope="col">Confirmed</th><th scope="col">Online</th><th scope="col">Error</th></tr></thead>
<tbody>${nodes.map((t) => html`<tr><th scope="row"><code>${t.nodeId}</code></th><td>${badge(t.state)}</td><td>${t.previousRevision ?? '–'}</td><td>${t.confirmed ?? '–'}</td><td>${t.online ? 'yes' : 'no'}</td><td>${t.error ?? ''}</td></tr>`)}</tbody>
</table>`}
</section>`;
})}`;
}

/** The page of one rollout. */
export async function rolloutPage(svc: OrchestratorService, id: string, who: Principal): Promise<Page> {
  const s = await svc.rolloutStatus(id);
  const back = previousRevision(s);
  const bundles = (await svc.store.listBundles()).map((b) => b.revision).reverse();
  const rollback = who.role !== 'admin' ? '' : html`<section aria-labelledby="rollback-title">
<h2 id="rollback-title">Roll back</h2>
<p>Sets the desired revision of every node matching the selector now (offline nodes get it when they reconnect) and aborts rollouts over them.</p>
<form class="filters" data-api="/v1/admin/rollback" data-confirm="Roll every node matching {selector} back to {revision}?" data-done="Rollback ordered: {nodes} node(s).">
${field('To revision', 'f-revision', html`<select id="f-revision" name="revision" required>${bundles.map((r) => html`<option${r === back ? html` selected` : ''}>${r}</option>`)}</select>`)}
${field('Label selector', 'f-selector', html`<input id="f-selector" name="selector" data-type="labels" value="${selectorText(s.selector)}" autocomplete="off">`)}
<button type="submit" class="danger">Roll back</button>
</form>
</section>`;
  return {
    title: `Rollout ${id}`,
    section: '/console/rollouts',
    body: html`<p><a href="/console/rollouts">← All rollouts</a></p><div data-live="/console/rollouts/${encodeURIComponent(id)}/live">${rolloutDetail(s, who)}</div>${rollback}`,
  };
}
