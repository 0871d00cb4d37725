// The console's HTTP routes, mounted in the API server: server-rendered pages behind the
// operator login, live fragments they poll, and static assets. Pages only read; every change
// is made through the admin API (with the session cookie, its CSRF token and an Origin check).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { AutonomyError } from '../../../common/errors.ts';
import { SESSION_COOKIE, type Accounts, type Principal } from '../auth/accounts.ts';
import { checkCsrf, checkOrigin } from '../api/admin-auth.ts';
import { httpError } from '../api/errors.ts';
import { decodeParam, readBody } from '../api/server.ts';
import type { OrchestratorService } from '../service.ts';
import { asset } from './assets.ts';
import { html, type Html } from './html.ts';
import { alert, layout, type Page } from './layout.ts';
import { accountPage } from './pages/account.ts';
import { auditPage } from './pages/audit.ts';
import { fleetPage, fleetTable } from './pages/fleet.ts';
import { loginPage } from './pages/login.ts';
import { operatorsPage, operatorTable } from './pages/operators.ts';
import { policiesPage } from './pages/policies.ts';
import { rolloutDetail, rolloutList, rolloutPage, rolloutsPage } from './pages/rollouts.ts';

/** Settings of the console. */
export interface ConsoleOptions {
  /** A node unseen this long is "stale" in the fleet view (beyond merely offline). */
  staleAfterMs: number;
}

export const DEFAULT_CONSOLE_OPTIONS: ConsoleOptions = { staleAfterMs: 3_600_000 };

/** Sent with every console response: no inline script or style, no framing, no sniffing. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'cache-control': 'no-store', 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function redirect(res: ServerResponse, to: string, headers: Record<string, string> = {}): void {
  send(res, 303, '', { location: to, ...headers });
}

/** Where to go after signing in: a console path only (no open redirect). */
function safeNext(next: string | null): string {
  return next && /^\/console\/[\w/?=&%.,:+-]*$/.test(next) && !next.startsWith('//') ? next : '/console/fleet';
}

function isTls(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
}

function cookie(req: IncomingMessage, value: string, maxAgeS: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${isTls(req) ? '; Secure' : ''}`;
}

/** Changes the signed-in operator's password from the account form; the outcome to show (an operator's mistake is shown, not thrown). */
async function changePassword(accounts: Accounts, who: Principal, form: URLSearchParams): Promise<{ ok: boolean; text: string; status: number }> {
  if ((form.get('password') ?? '') !== (form.get('repeat') ?? '')) return { ok: false, text: 'the two new passwords differ', status: 400 };
  try {
    await accounts.changePassword(who, form.get('current') ?? '', form.get('password') ?? '');
    return { ok: true, text: 'Password changed. Your other sessions have ended.', status: 200 };
  } catch (e) {
    const h = httpError(e);
    if (h.status !== 400 && h.status !== 403 && h.status !== 429) throw e;
    return { ok: false, text: h.body.error.message, status: h.status };
  }
}

/** The console's request handler: true when the path was the console's. */
export function consoleHandler(svc: OrchestratorService, accounts: Accounts, o: Partial<ConsoleOptions> = {}): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const opts = { ...DEFAULT_CONSOLE_OPTIONS, ...o };
  const page = (res: ServerResponse, p: Page, who: Principal | null, status = 200): void => send(res, status, layout(p, who).text);
  const fragment = (res: ServerResponse, h: Html): void => send(res, 200, h.text);

  return async (req, res, url) => {
    const path = url.pathname;
    if (path === '/' || path === '/console' || path === '/console/') {
      redirect(res, '/console/fleet');
      return true;
    }
    if (!path.startsWith('/console/')) return false;
    const method = req.method ?? 'GET';

    if (path.startsWith('/console/assets/')) {
      const a = method === 'GET' ? asset(path.slice('/console/assets/'.length)) : null;
      if (!a) send(res, 404, 'not found', { 'content-type': 'text/plain' });
      else if (req.headers['if-none-match'] === a.etag) send(res, 304, '', { etag: a.etag, 'cache-control': 'no-cache' });
      else send(res, 200, a.bytes, { 'content-type': a.type, etag: a.etag, 'cache-control': 'no-cache' });
      return true;
    }

    let who: Principal | null = null;
    try {
      who = await accounts.session(req.headers['cookie']);
      if (path === '/console/login') {
        if (method === 'GET') {
          if (who) redirect(res, safeNext(url.searchParams.get('next')));
          else page(res, loginPage(safeNext(url.searchParams.get('next')), null), null);
          return true;
        }
        if (method !== 'POST') throw new AutonomyError('method_not_allowed', `${method} is not allowed on ${path}`);
        checkOrigin(req);
        const form = new URLSearchParams((await readBody(req, 8192)).toString('utf8'));
        const name = form.get('name') ?? '';
        const next = safeNext(form.get('next'));
        try {
          const s = await accounts.login(name, form.get('password') ?? '', req.socket.remoteAddress ?? 'unknown');
          redirect(res, next, { 'set-cookie': cookie(req, s.id, Math.floor(s.maxAgeMs / 1000)) });
        } catch (e) {
          const h = httpError(e);
          if (h.status !== 401 && h.status !== 429) throw e;
          page(res, loginPage(next, h.body.error.message, name), null, h.status);
        }
        return true;
      }
      if (path === '/console/logout' && method === 'POST') {
        // Also without a session (SameSite keeps the cookie off another site's post): another
        // site must not clear the cookie either.
        checkOrigin(req);
        if (who) {
          checkCsrf(who, new URLSearchParams((await readBody(req, 8192)).toString('utf8')).get('csrf'));
          await accounts.logout(who);
        }
        redirect(res, '/console/login', { 'set-cookie': cookie(req, '', 0) });
        return true;
      }
      if (path === '/console/account' && method === 'POST') {
        if (!who) {
          redirect(res, '/console/login?next=%2Fconsole%2Faccount');
          return true;
        }
        checkOrigin(req);
        const form = new URLSearchParams((await readBody(req, 8192)).toString('utf8'));
        checkCsrf(who, form.get('csrf'));
        const outcome = await changePassword(accounts, who, form);
        page(res, accountPage(who, outcome), who, outcome.status);
        return true;
      }
      if (method !== 'GET') throw new AutonomyError('method_not_allowed', `${method} is not allowed on ${path}`);

      const live = path.endsWith('/live');
      if (!who) {
        // A live fragment answers 401 (the script reloads into the login page); a page redirects.
        if (live) send(res, 401, 'signed out', { 'content-type': 'text/plain' });
        else redirect(res, `/console/login?next=${encodeURIComponent(path + url.search)}`);
        return true;
      }
      const rollout = /^\/console\/rollouts\/([^/]+?)(\/live)?$/.exec(path);
      if (path === '/console/fleet') page(res, await fleetPage(svc, url.searchParams, opts.staleAfterMs), who);
      else if (path === '/console/fleet/live') fragment(res, await fleetTable(svc, url.searchParams, opts.staleAfterMs));
      else if (path === '/console/rollouts') page(res, await rolloutsPage(svc, who), who);
      else if (path === '/console/rollouts/live') fragment(res, await rolloutList(svc));
      else if (rollout && rollout[2]) fragment(res, rolloutDetail(await svc.rolloutStatus(decodeParam(rollout[1]!)), who));
      else if (rollout) page(res, await rolloutPage(svc, decodeParam(rollout[1]!), who), who);
      else if (path === '/console/audit') page(res, await auditPage(svc, url.searchParams), who);
      else if (path === '/console/policies') page(res, await policiesPage(svc), who);
      else if (path === '/console/account') page(res, accountPage(who), who);
      else if (path === '/console/operators' || path === '/console/operators/live') {
        // Viewers neither see the page nor its link; its actions are refused by the API too.
        if (who.role !== 'admin') throw new AutonomyError('forbidden', 'only admins manage operators');
        if (live) fragment(res, await operatorTable(accounts, who));
        else page(res, await operatorsPage(accounts, who), who);
      }
      else throw new AutonomyError('not_found', `no console page ${path}`);
      return true;
    } catch (e) {
      const h = httpError(e);
      if (h.unexpected) process.stderr.write(`orchestrator console: ${method} ${path}: ${e instanceof Error ? e.message : String(e)}\n`);
      if (res.headersSent) res.destroy();
      else page(res, { title: h.status === 404 ? 'Not found' : 'Error', body: html`${alert(h.body.error.message)}<p><a href="/console/fleet">Back to the fleet</a></p>` }, who, h.status);
      return true;
    }
  };
}
