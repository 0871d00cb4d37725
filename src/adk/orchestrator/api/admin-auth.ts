// Authentication of admin requests: a bearer token (CLI, scripts) or a console session cookie.
// Cookie-authenticated writes also need the session's CSRF token and a same-origin Origin: a
// cookie is sent by the browser on its own, a header and a matching origin are not.
import type { IncomingMessage } from 'node:http';
import { AutonomyError } from '../../../common/errors.ts';
import { sameSecret, type Accounts, type Principal } from '../auth/accounts.ts';

/** The header the console sends its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** True for methods that change nothing. */
export function isSafeMethod(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** Throws csrf_failed unless the request's Origin (else Referer) is this server's own. */
export function checkOrigin(req: IncomingMessage): void {
  const from = req.headers['origin'] ?? req.headers['referer'];
  let host: string | null = null;
  try {
    host = typeof from === 'string' && from !== 'null' ? new URL(from).host : null;
  } catch {
    host = null;
  }
  if (host === null || host !== req.headers['host']) throw new AutonomyError('csrf_failed', 'the request does not come from this console (Origin check failed)');
}

/** Throws csrf_failed unless token is the session's CSRF token. */
export function checkCsrf(p: Principal, token: unknown): void {
  if (!p.session || typeof token !== 'string' || !sameSecret(token, p.session.csrf)) throw new AutonomyError('csrf_failed', 'missing or wrong CSRF token; reload the page');
}

/** The principal of an admin request, with CSRF, origin and role checked for writes. */
export async function authenticateAdmin(accounts: Accounts, req: IncomingMessage): Promise<Principal> {
  const auth = req.headers['authorization'];
  let p = auth === undefined ? await accounts.session(req.headers['cookie']) : null;
  if (p && !isSafeMethod(req.method)) {
    checkOrigin(req);
    checkCsrf(p, req.headers[CSRF_HEADER]);
  }
  if (!p) {
    // Throws unauthorized when there is neither a valid session nor a valid bearer token.
    const who = req.headers['x-autonomy-actor'];
    p = await accounts.bearer(auth, typeof who === 'string' ? who : undefined);
  }
  if (p.role !== 'admin' && !isSafeMethod(req.method)) throw new AutonomyError('forbidden', `${p.actor} is a viewer; only admins may change anything`);
  return p;
}
