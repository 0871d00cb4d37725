// The signed-in operator's own account: change the password (the current one is required). A
// plain form post (with the session's CSRF token as a field), so it works without the script.
import type { Principal } from '../../auth/accounts.ts';
import { html } from '../html.ts';
import { alert, field, type Page } from '../layout.ts';

/** The account page, with the outcome of the last change when there was one. */
export function accountPage(who: Principal, outcome: { ok: boolean; text: string } | null = null): Page {
  return {
    title: 'Your account',
    section: '/console/account',
    body: html`<p>Signed in as <strong>${who.session?.operator ?? who.actor}</strong> (${who.role}).</p>
${outcome ? (outcome.ok ? html`<p class="ok" role="status">${outcome.text}</p>` : alert(outcome.text)) : ''}
<h2>Change your password</h2>
<form class="login" method="post" action="/console/account">
<input type="hidden" name="csrf" value="${who.session?.csrf ?? ''}">
${field('Current password', 'f-current', html`<input id="f-current" name="current" type="password" autocomplete="current-password" required>`)}
${field('New password', 'f-new', html`<input id="f-new" name="password" type="password" autocomplete="new-password" minlength="12" required>`)}
${field('New password again', 'f-repeat', html`<input id="f-repeat" name="repeat" type="password" autocomplete="new-password" minlength="12" required>`)}
<button type="submit">Change password</button>
</form>
<p class="muted">Your other sessions end when the password changes; this one stays open.</p>`,
  };
}
