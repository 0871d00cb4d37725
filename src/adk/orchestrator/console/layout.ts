// The page shell every console page shares: navigation, who is signed in, the confirmation
// dialog, and the assets (no inline script or style: the Content-Security-Policy forbids them).
import type { Principal } from '../auth/accounts.ts';
import { html, type Html } from './html.ts';

/** The console's sections, in navigation order; adminOnly ones are not shown to viewers. */
export const SECTIONS: readonly { path: string; name: string; adminOnly?: boolean }[] = [
  { path: '/console/fleet', name: 'Fleet' },
  { path: '/console/rollouts', name: 'Rollouts' },
  { path: '/console/audit', name: 'Audit' },
  { path: '/console/policies', name: 'Policies' },
  { path: '/console/operators', name: 'Operators', adminOnly: true },
];

/** A page: its title, which section it belongs to, its body, and extra assets. */
export interface Page {
  title: string;
  section?: string;
  body: Html;
  /** Load the chart library (the audit page). */
  chart?: boolean;
}

/** A full document for a signed-in operator (or for nobody: the login page). */
export function layout(page: Page, who: Principal | null): Html {
  const nav = who
    ? html`<nav aria-label="Console sections"><ul>${SECTIONS.filter((s) => !s.adminOnly || who.role === 'admin').map((s) => html`<li><a href="${s.path}"${s.path === page.section ? html` aria-current="page"` : ''}>${s.name}</a></li>`)}</ul></nav>
    <div class="who"><span>Signed in as <a href="/console/account"${page.section === '/console/account' ? html` aria-current="page"` : ''}><strong>${who.session?.operator ?? who.actor}</strong></a> (${who.role})</span>
      <form method="post" action="/console/logout"><input type="hidden" name="csrf" value="${who.session?.csrf ?? ''}"><button type="submit">Sign out</button></form></div>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · AutonomyOps console</title>
${who?.session ? html`<meta name="csrf-token" content="${who.session.csrf}">` : ''}
<link rel="stylesheet" href="/console/assets/console.css">
${page.chart ? html`<link rel="stylesheet" href="/console/assets/uPlot.min.css"><script src="/console/assets/uPlot.iife.min.js" defer></script>` : ''}
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><span class="brand">AutonomyOps</span>${nav}</header>
<main id="main" tabindex="-1">
<h1>${page.title}</h1>
<p id="flash" role="status" aria-live="polite"></p>
${page.body}
</main>
<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-text">
<form method="dialog">
<h2 id="confirm-title">Please confirm</h2>
<p id="confirm-text"></p>
<div class="buttons"><button value="cancel" autofocus>Cancel</button> <button value="confirm" class="danger">Confirm</button></div>
</form>
</dialog>
</body>
</html>
`;
}

/** A time in ms as `<time>` (UTC, to the second), or a dash. */
export function time(ms: number | null): Html {
  if (ms === null) return html`<span aria-label="never">–</span>`;
  const iso = new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  return html`<time datetime="${iso}">${iso.replace('T', ' ')}</time>`;
}

/** How long ago, for people. */
export function ago(ms: number | null, now: number): Html {
  if (ms === null) return html`never`;
  const s = Math.max(0, Math.round((now - ms) / 1000));
  const text = s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86400)} d ago`;
  return html`<time datetime="${new Date(ms).toISOString()}" title="${new Date(ms).toISOString()}">${text}</time>`;
}

/** Labels as `k=v` chips. */
export function labels(l: Record<string, string>): Html {
  const entries = Object.entries(l);
  return entries.length ? html`<ul class="labels">${entries.map(([k, v]) => html`<li><code>${k}=${v}</code></li>`)}</ul>` : html`<span class="muted">none</span>`;
}

/** A status badge (the class only colours it; the text says it). */
export function badge(state: string): Html {
  return html`<span class="badge badge-${state.replace(/[^a-z_]/g, '')}">${state.replace(/_/g, ' ')}</span>`;
}

/** A form control (which carries id) with its label; the label holds only text, so it is the accessible name. */
export function field(label: string, id: string, control: Html): Html {
  return html`<div class="field"><label for="${id}">${label}</label>${control}</div>`;
}

/** A message box for errors. */
export function alert(text: string): Html {
  return html`<p class="alert" role="alert">${text}</p>`;
}
