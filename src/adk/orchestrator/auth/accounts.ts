// Who is calling: the bootstrap admin token, an operator's API token, or a console session
// (cookie). Operators, sessions and login throttling live in the store, never in memory, so any
// replica on the same database accepts a session another one opened.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AutonomyError } from '../../../common/errors.ts';
import { sha256Hex } from '../../../common/hash.ts';
import type { AdminEventInput, Store } from '../store/store.ts';
import { OperatorRole, type OperatorRecord } from '../store/operator-store.ts';
import { adminChecker } from './admin.ts';
import { DUMMY_HASH, generatePassword, hashPassword, verifyPassword } from './passwords.ts';

/** The caller of an admin request. */
export interface Principal {
  /** What the admin log records: `admin`, `admin:USER` (bootstrap token) or `operator:NAME`. */
  actor: string;
  role: OperatorRole;
  /** Set when authenticated by a console session cookie. */
  session?: { hash: string; csrf: string; operator: string };
}

/** Settings of sessions and login throttling. */
export interface AccountOptions {
  now: () => number;
  /** Absolute lifetime of a console session. */
  sessionTtlMs: number;
  /** A session unused this long ends. */
  sessionIdleMs: number;
  /** Failed logins (per operator name and per client address) allowed before backoff starts. */
  freeFailures: number;
  /** Longest backoff; failures older than this are forgotten. */
  maxBackoffMs: number;
}

export const DEFAULT_ACCOUNT_OPTIONS: AccountOptions = { now: Date.now, sessionTtlMs: 12 * 3_600_000, sessionIdleMs: 3_600_000, freeFailures: 5, maxBackoffMs: 15 * 60_000 };

/** The session cookie's name. */
export const SESSION_COOKIE = 'autonomy_session';
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Refresh last_seen at most this often: a write per request would be wasted. */
const TOUCH_MS = 60_000;

/** The CSRF token of a session: derived from its id, so it is bound to it and needs no storage. */
function csrfOf(sessionId: string): string {
  return createHash('sha256').update(`autonomy-console-csrf\0${sessionId}`).digest('base64url');
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Constant-time string equality. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(sha256Hex(a), 'hex');
  return timingSafeEqual(x, Buffer.from(sha256Hex(b), 'hex'));
}

/** Operators, their credentials and console sessions. */
export class Accounts {
  readonly #store: Store;
  readonly #bootstrap: (header: string | undefined) => void;
  readonly opts: AccountOptions;
  /** The last password check queued per throttling key (see #oneAtATime). */
  readonly #checks = new Map<string, Promise<void>>();

  constructor(store: Store, adminToken: string, opts: Partial<AccountOptions> = {}) {
    this.#store = store;
    this.#bootstrap = adminChecker(adminToken);
    this.opts = { ...DEFAULT_ACCOUNT_OPTIONS, ...opts };
  }

  #event(actor: string, action: string, detail: Record<string, unknown>): AdminEventInput {
    return { time: this.opts.now(), actor, action, detail };
  }

  /** Authenticates `Authorization: Bearer …`: the bootstrap admin token or an operator's API token. */
  async bearer(header: string | undefined, actorHint?: string): Promise<Principal> {
    try {
      this.#bootstrap(header);
      return { actor: actorHint && /^[\w.@-]{1,64}$/.test(actorHint) ? `admin:${actorHint}` : 'admin', role: OperatorRole.admin };
    } catch (e) {
      const m = header ? /^Bearer\s+(\S+)$/.exec(header) : null;
      const op = m ? await this.#store.operators.operatorByToken(sha256Hex(m[1]!)) : null;
      if (!op) throw e;
      return { actor: `operator:${op.name}`, role: op.role };
    }
  }

  /** The principal of a session cookie, or null when it is missing, unknown or expired. */
  async session(cookieHeader: string | undefined): Promise<Principal | null> {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    if (!id || !/^[\w-]{20,100}$/.test(id)) return null;
    const hash = sha256Hex(id);
    const s = await this.#store.operators.getSession(hash);
    const now = this.opts.now();
    if (!s || s.expiresAt <= now || s.lastSeen + this.opts.sessionIdleMs <= now) return null;
    if (now - s.lastSeen >= TOUCH_MS) await this.#store.operators.touchSession(hash, now);
    return { actor: `operator:${s.operator}`, role: s.role, session: { hash, csrf: csrfOf(id), operator: s.operator } };
  }

  /**
   * Runs fn after every earlier call sharing one of keys has finished. A password check reads the
   * failure count, verifies, then records: without this, requests sent all at once would all read
   * the count before any recorded a failure and each get a guess. (Per replica: each replica on a
   * shared database adds at most one guess in flight per key.)
   */
  async #oneAtATime<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const before = keys.map((k) => this.#checks.get(k));
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    for (const k of keys) this.#checks.set(k, mine);
    await Promise.all(before);
    try {
      return await fn();
    } finally {
      release();
      for (const k of keys) if (this.#checks.get(k) === mine) this.#checks.delete(k);
    }
  }

  /** Checks a login; returns the new session's id (for the cookie only) and its expiry. */
  login(name: string, password: string, client: string): Promise<{ id: string; maxAgeMs: number }> {
    const keys = [`operator:${name.slice(0, 64)}`, `client:${client}`];
    return this.#oneAtATime(keys, () => this.#login(name, password, client, keys));
  }

  async #login(name: string, password: string, client: string, keys: readonly string[]): Promise<{ id: string; maxAgeMs: number }> {
    const now = this.opts.now();
    const wait = this.#backoff(await this.#store.operators.loginFailures(keys), now);
    if (wait > 0) throw new AutonomyError('login_throttled', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`);
    const op = NAME.test(name) ? await this.#store.operators.getOperator(name) : null;
    // An unknown name costs the same scrypt as a wrong password: nothing to enumerate by timing.
    const ok = await verifyPassword(password, op?.passwordHash ?? DUMMY_HASH);
    if (!op || !ok) {
      for (const k of keys) await this.#store.operators.recordLoginFailure(k, now, now - this.opts.maxBackoffMs);
      throw new AutonomyError('login_failed', 'wrong operator name or password');
    }
    await this.#store.operators.clearLoginFailures(keys[0]!);
    await this.#store.operators.deleteExpiredSessions(now, this.opts.sessionIdleMs);
    const id = randomBytes(32).toString('base64url');
    await this.#store.operators.createSession({ hash: sha256Hex(id), operator: op.name, createdAt: now, expiresAt: now + this.opts.sessionTtlMs, lastSeen: now },
      [this.#event(`operator:${op.name}`, 'operator.login', { operator: op.name, client })]);
    return { id, maxAgeMs: this.opts.sessionTtlMs };
  }

  /** How long a login must wait given the failures counted for its keys. */
  #backoff(failures: readonly { count: number; lastAt: number }[], now: number): number {
    let wait = 0;
    for (const f of failures) {
      if (f.lastAt + this.opts.maxBackoffMs <= now || f.count < this.opts.freeFailures) continue;
      const delay = Math.min(this.opts.maxBackoffMs, 1000 * 2 ** (f.count - this.opts.freeFailures));
      wait = Math.max(wait, f.lastAt + delay - now);
    }
    return wait;
  }

  /** Ends a session. */
  async logout(p: Principal): Promise<void> {
    if (p.session) await this.#store.operators.deleteSession(p.session.hash, [this.#event(p.actor, 'operator.logout', { operator: p.session.operator })]);
  }

  /**
   * Creates an operator with a password; without one (undefined), generates it and returns it
   * in the answer, once (the console's add form shows it; it is stored only hashed).
   */
  async addOperator(actor: string, name: string, role: unknown, password: unknown): Promise<{ name: string; role: OperatorRole; password?: string }> {
    if (!NAME.test(name)) throw new AutonomyError('bad_request', `operator name ${JSON.stringify(name)}: use 1–64 lowercase letters, digits and . _ - (starting with a letter or digit)`);
    if (role !== OperatorRole.admin && role !== OperatorRole.viewer) throw new AutonomyError('bad_request', 'role must be "admin" or "viewer"');
    if (password !== undefined && typeof password !== 'string') throw new AutonomyError('bad_request', 'operator needs {"name", "role", "password"} (leave password out to have one generated)');
    const secret = password ?? generatePassword();
    const o: OperatorRecord = { name, role, passwordHash: await hashPassword(secret), tokenHash: null, createdAt: this.opts.now() };
    await this.#store.operators.createOperator(o, [this.#event(actor, 'operator.add', { operator: name, role })]);
    return password === undefined ? { name, role, password: secret } : { name, role };
  }

  /**
   * Changes a signed-in operator's own password: the current one is required, and every other
   * session of the operator ends (whoever knew the old password may hold one).
   */
  async changePassword(p: Principal, current: unknown, next: unknown): Promise<void> {
    const s = p.session;
    if (!s) throw new AutonomyError('forbidden', 'only a signed-in operator can change its password');
    if (typeof current !== 'string' || typeof next !== 'string') throw new AutonomyError('bad_request', 'a password change needs the current and the new password');
    // Wrong current passwords count as failed logins: a stolen session cannot guess at leisure.
    const key = `operator:${s.operator}`;
    await this.#oneAtATime([key], () => this.#changePassword(p, s, key, current, next));
  }

  async #changePassword(p: Principal, session: NonNullable<Principal['session']>, key: string, current: string, next: string): Promise<void> {
    const now = this.opts.now();
    const wait = this.#backoff(await this.#store.operators.loginFailures([key]), now);
    if (wait > 0) throw new AutonomyError('login_throttled', `too many wrong passwords; try again in ${Math.ceil(wait / 1000)} s`);
    const op = await this.#store.operators.getOperator(session.operator);
    if (!op || !(await verifyPassword(current, op.passwordHash))) {
      await this.#store.operators.recordLoginFailure(key, now, now - this.opts.maxBackoffMs);
      throw new AutonomyError('forbidden', 'the current password is wrong');
    }
    if (current === next) throw new AutonomyError('bad_request', 'the new password is the current one');
    await this.#store.operators.setOperatorPassword(op.name, await hashPassword(next), session.hash, [this.#event(p.actor, 'operator.password', { operator: op.name })]);
  }

  /** Issues (or replaces) an operator's API token; the token is returned once and stored hashed. */
  async issueToken(actor: string, name: string): Promise<{ name: string; token: string }> {
    const token = `op_${randomBytes(32).toString('base64url')}`;
    await this.#store.operators.setOperatorToken(name, sha256Hex(token), [this.#event(actor, 'operator.token', { operator: name })]);
    return { name, token };
  }

  /** Removes an operator, its token and its sessions. */
  async removeOperator(actor: string, name: string): Promise<void> {
    await this.#store.operators.removeOperator(name, [this.#event(actor, 'operator.remove', { operator: name })]);
  }

  /** Operators without their secrets. */
  async listOperators(): Promise<{ name: string; role: OperatorRole; has_token: boolean; created_at: number; last_login: number | null }[]> {
    return (await this.#store.operators.listOperators()).map((o) => ({ name: o.name, role: o.role, has_token: o.tokenHash !== null, created_at: o.createdAt, last_login: o.lastLoginAt }));
  }
}
