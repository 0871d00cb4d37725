// Operators (admins only): the list with role, API token and last sign-in; add (a generated
// password), issue an API token, remove. Every action is a call to /v1/admin/operators from
// console.js — the CLI's code path, so each lands in the admin log under the admin's name. The
// one-time secrets exist only in the API's answer, which the script shows once; no page or
// fragment ever renders them.
import type { Accounts, Principal } from '../../auth/accounts.ts';
import { html, type Html } from '../html.ts';
import { badge, field, time, type Page } from '../layout.ts';

/** The table of operators (the live region's content, refreshed after each action). */
export async function operatorTable(accounts: Accounts, who: Principal): Promise<Html> {
  const list = await accounts.listOperators();
  if (list.length === 0) return html`<p class="muted">No operator yet.</p>`;
  return html`<table>
<caption class="visually-hidden">Operators</caption>
<thead><tr><th scope="col">Operator</th><th scope="col">Role</th><th scope="col">API token</th><th scope="col">Created</th><th scope="col">Last sign-in</th><th scope="col">Actions</th></tr></thead>
<tbody>${list.map((o) => {
  const path = `/v1/admin/operators/${encodeURIComponent(o.name)}`;
  const self = who.session?.operator === o.name;
  return html`<tr>
<th scope="row"><code>${o.name}</code>${self ? html` <small class="muted">(you)</small>` : ''}</th>
<td>${badge(o.role)}</td>
<td>${o.has_token ? 'issued' : html`<span class="muted">none</span>`}</td>
<td>${time(o.created_at)}</td>
<td>${o.last_login === null ? html`<span class="muted">never</span>` : time(o.last_login)}</td>
<td><button type="button" id="token-${o.name}" data-action="${path}/token" data-reveal="token" aria-label="Issue API token for ${o.name}"
 data-confirm="Issue a new API token for ${o.name}? Any token issued before stops working." data-done="API token issued for ${o.name}; it is shown below, once.">Issue API token</button>
<button type="button" id="remove-${o.name}" class="danger" data-action="${path}" data-method="DELETE" aria-label="Remove ${o.name}"
 data-confirm="Remove operator ${o.name}? Its API token and all its console sessions end${self ? ', including yours' : ''}." data-done="Operator ${o.name} removed.">Remove</button></td>
</tr>`;
})}</tbody>
</table>`;
}

/** The operators page. */
export async function operatorsPage(accounts: Accounts, who: Principal): Promise<Page> {
  return {
    title: 'Operators',
    section: '/console/operators',
    body: html`<section aria-labelledby="add-title">
<h2 id="add-title">Add an operator</h2>
<form class="filters" data-api="/v1/admin/operators" data-reveal="password" data-confirm="Add operator {name} ({role})? A password is generated and shown once."
 data-done="Operator {name} added ({role}); the password is shown below, once.">
${field('Name', 'f-op-name', html`<input id="f-op-name" name="name" required autocomplete="off" placeholder="lowercase, digits, . _ -">`)}
${field('Role', 'f-op-role', html`<select id="f-op-role" name="role"><option value="viewer">viewer (reads only)</option><option value="admin">admin</option></select>`)}
<button type="submit">Add operator</button>
</form>
</section>
<section id="secret" aria-labelledby="secret-title" hidden>
<h2 id="secret-title">Shown once</h2>
<p>Store it now: it is kept only as a hash and cannot be shown again.</p>
${field('Secret', 'secret-value', html`<input id="secret-value" readonly autocomplete="off" size="48">`)}
</section>
<div data-live="/console/operators/live">${await operatorTable(accounts, who)}</div>`,
  };
}
