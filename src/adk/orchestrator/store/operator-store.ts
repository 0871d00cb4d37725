// Operators, console sessions and login throttling over the same SQL database as the rest of the
// store: several stateless replicas on one PostgreSQL database accept each other's sessions.
// Secrets are stored only as hashes (scrypt for passwords, SHA-256 for random tokens and ids).
import { AutonomyError } from '../../../common/errors.ts';
import type { SqlDb, SqlRow, SqlTx } from './driver.ts';
import type { Events } from './store.ts';

/** What an operator may do: admins everything, viewers only read. */
export const OperatorRole = { admin: 'admin', viewer: 'viewer' } as const;
export type OperatorRole = (typeof OperatorRole)[keyof typeof OperatorRole];

/** A named operator of the control plane. */
export interface OperatorRecord {
  name: string;
  role: OperatorRole;
  /** scrypt hash (auth/passwords.ts format). */
  passwordHash: string;
  /** SHA-256 of the operator's API token, or null when none was issued. */
  tokenHash: string | null;
  createdAt: number;
}

/** A console session; the id itself is never stored, only its SHA-256. */
export interface SessionRecord {
  hash: string;
  operator: string;
  createdAt: number;
  /** Absolute end of the session. */
  expiresAt: number;
  /** Last request seen (idle expiry counts from here). */
  lastSeen: number;
}

/** Failed logins counted under one key (an operator name or a client address). */
export interface LoginFailures {
  key: string;
  count: number;
  lastAt: number;
}

/** The operator part of the store. */
export interface OperatorStore {
  /** Throws operator_exists. */
  createOperator(o: OperatorRecord, events: Events): Promise<void>;
  getOperator(name: string): Promise<OperatorRecord | null>;
  operatorByToken(tokenHash: string): Promise<OperatorRecord | null>;
  /** Every operator by name, with its last sign-in (null when never, or not since this was recorded). */
  listOperators(): Promise<(OperatorRecord & { lastLoginAt: number | null })[]>;
  /** Replaces the operator's password hash and ends its sessions except keepSession. Throws operator_not_found. */
  setOperatorPassword(name: string, passwordHash: string, keepSession: string | null, events: Events): Promise<void>;
  /** Replaces the operator's API token hash. Throws operator_not_found. */
  setOperatorToken(name: string, tokenHash: string, events: Events): Promise<void>;
  /** Removes the operator and ends its sessions. Throws operator_not_found. */
  removeOperator(name: string, events: Events): Promise<void>;

  /** Opens a session and records it as its operator's last sign-in. */
  createSession(s: SessionRecord, events: Events): Promise<void>;
  /** The session with its operator's current role, or null (unknown, or its operator removed). */
  getSession(hash: string): Promise<(SessionRecord & { role: OperatorRole }) | null>;
  touchSession(hash: string, now: number): Promise<void>;
  deleteSession(hash: string, events: Events): Promise<void>;
  /** Deletes sessions past their absolute or idle expiry. */
  deleteExpiredSessions(now: number, idleMs: number): Promise<void>;

  loginFailures(keys: readonly string[]): Promise<LoginFailures[]>;
  /** Counts a failure; a key whose last failure is older than forgetBefore starts again at 1 (and every such key is dropped). */
  recordLoginFailure(key: string, now: number, forgetBefore: number): Promise<void>;
  clearLoginFailures(key: string): Promise<void>;
}

/** The DDL of the operator tables (added to the store's schema; additive, so no version bump). */
export function operatorSchemaSql(): string {
  return `
CREATE TABLE IF NOT EXISTS operators (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  token_hash TEXT UNIQUE,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  hash TEXT PRIMARY KEY,
  operator TEXT NOT NULL REFERENCES operators(name) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS operator_logins (
  operator TEXT PRIMARY KEY REFERENCES operators(name) ON DELETE CASCADE,
  last_login BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
  key TEXT PRIMARY KEY,
  count BIGINT NOT NULL,
  last_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_last_at ON login_failures (last_at);
`;
}

function operatorOf(r: SqlRow): OperatorRecord {
  return {
    name: String(r['name']), role: String(r['role']) as OperatorRole, passwordHash: String(r['password_hash']),
    tokenHash: r['token_hash'] === null || r['token_hash'] === undefined ? null : String(r['token_hash']), createdAt: Number(r['created_at']),
  };
}

type AppendEvents = (tx: SqlTx, events: Events) => Promise<unknown>;

/** The operator store over a SQL database; appendEvents chains admin events in a transaction. */
export class SqlOperatorStore implements OperatorStore {
  readonly #db: SqlDb;
  readonly #appendEvents: AppendEvents;

  constructor(db: SqlDb, appendEvents: AppendEvents) {
    this.#db = db;
    this.#appendEvents = appendEvents;
  }

  createOperator(o: OperatorRecord, events: Events): Promise<void> {
    return this.#db.transaction(async (tx) => {
      if ((await tx.all('SELECT name FROM operators WHERE name = $1', [o.name])).length > 0) throw new AutonomyError('operator_exists', `operator ${o.name} already exists; remove it first to replace it`);
      await tx.run('INSERT INTO operators (name, role, password_hash, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)', [o.name, o.role, o.passwordHash, o.tokenHash, o.createdAt]);
      await this.#appendEvents(tx, events);
    });
  }

  async getOperator(name: string): Promise<OperatorRecord | null> {
    const rows = await this.#db.all('SELECT * FROM operators WHERE name = $1', [name]);
    return rows[0] ? operatorOf(rows[0]) : null;
  }

  async operatorByToken(tokenHash: string): Promise<OperatorRecord | null> {
    const rows = await this.#db.all('SELECT * FROM operators WHERE token_hash = $1', [tokenHash]);
    return rows[0] ? operatorOf(rows[0]) : null;
  }

  async listOperators(): Promise<(OperatorRecord & { lastLoginAt: number | null })[]> {
    const rows = await this.#db.all('SELECT o.*, l.last_login FROM operators o LEFT JOIN operator_logins l ON l.operator = o.name ORDER BY o.name');
    return rows.map((r) => ({ ...operatorOf(r), lastLoginAt: r['last_login'] === null || r['last_login'] === undefined ? null : Number(r['last_login']) }));
  }

  setOperatorPassword(name: string, passwordHash: string, keepSession: string | null, events: Events): Promise<void> {
    return this.#db.transaction(async (tx) => {
      if ((await tx.run('UPDATE operators SET password_hash = $1 WHERE name = $2', [passwordHash, name])) === 0) throw notFound(name);
      // Whoever knew the old password may hold a session: all but the caller's own end.
      await tx.run('DELETE FROM sessions WHERE operator = $1 AND hash <> $2', [name, keepSession ?? '']);
      await this.#appendEvents(tx, events);
    });
  }

  setOperatorToken(name: string, tokenHash: string, events: Events): Promise<void> {
    return this.#db.transaction(async (tx) => {
      if ((await tx.run('UPDATE operators SET token_hash = $1 WHERE name = $2', [tokenHash, name])) === 0) throw notFound(name);
      await this.#appendEvents(tx, events);
    });
  }

  removeOperator(name: string, events: Events): Promise<void> {
    return this.#db.transaction(async (tx) => {
      // Explicit, not only ON DELETE CASCADE: SQLite enforces foreign keys only when asked to.
      await tx.run('DELETE FROM sessions WHERE operator = $1', [name]);
      await tx.run('DELETE FROM operator_logins WHERE operator = $1', [name]);
      if ((await tx.run('DELETE FROM operators WHERE name = $1', [name])) === 0) throw notFound(name);
      await this.#appendEvents(tx, events);
    });
  }

  createSession(s: SessionRecord, events: Events): Promise<void> {
    return this.#db.transaction(async (tx) => {
      await tx.run('INSERT INTO sessions (hash, operator, created_at, expires_at, last_seen) VALUES ($1, $2, $3, $4, $5)', [s.hash, s.operator, s.createdAt, s.expiresAt, s.lastSeen]);
      await tx.run('INSERT INTO operator_logins (operator, last_login) VALUES ($1, $2) ON CONFLICT (operator) DO UPDATE SET last_login = $2', [s.operator, s.createdAt]);
      await this.#appendEvents(tx, events);
    });
  }

  async getSession(hash: string): Promise<(SessionRecord & { role: OperatorRole }) | null> {
    const r = (await this.#db.all('SELECT s.*, o.role FROM sessions s JOIN operators o ON o.name = s.operator WHERE s.hash = $1', [hash]))[0];
    if (!r) return null;
    return {
      hash: String(r['hash']), operator: String(r['operator']), createdAt: Number(r['created_at']), expiresAt: Number(r['expires_at']),
      lastSeen: Number(r['last_seen']), role: String(r['role']) as OperatorRole,
    };
  }

  async touchSession(hash: string, now: number): Promise<void> {
    await this.#db.run('UPDATE sessions SET last_seen = $1 WHERE hash = $2 AND last_seen < $1', [now, hash]);
  }

  deleteSession(hash: string, events: Events): Promise<void> {
    return this.#db.transaction(async (tx) => {
      if ((await tx.run('DELETE FROM sessions WHERE hash = $1', [hash])) > 0) await this.#appendEvents(tx, events);
    });
  }

  async deleteExpiredSessions(now: number, idleMs: number): Promise<void> {
    await this.#db.run('DELETE FROM sessions WHERE expires_at <= $1 OR last_seen <= $2', [now, now - idleMs]);
  }

  async loginFailures(keys: readonly string[]): Promise<LoginFailures[]> {
    const out: LoginFailures[] = [];
    for (const key of keys) {
      const r = (await this.#db.all('SELECT key, count, last_at FROM login_failures WHERE key = $1', [key]))[0];
      if (r) out.push({ key, count: Number(r['count']), lastAt: Number(r['last_at']) });
    }
    return out;
  }

  async recordLoginFailure(key: string, now: number, forgetBefore: number): Promise<void> {
    // Forgotten failures go: names guessed from many addresses must not grow the table forever.
    await this.#db.run('DELETE FROM login_failures WHERE last_at < $1', [forgetBefore]);
    await this.#db.run(
      `INSERT INTO login_failures (key, count, last_at) VALUES ($1, 1, $2)
       ON CONFLICT (key) DO UPDATE SET count = CASE WHEN login_failures.last_at < $3 THEN 1 ELSE login_failures.count + 1 END, last_at = $2`,
      [key, now, forgetBefore],
    );
  }

  async clearLoginFailures(key: string): Promise<void> {
    await this.#db.run('DELETE FROM login_failures WHERE key = $1', [key]);
  }
}

function notFound(name: string): AutonomyError {
  return new AutonomyError('operator_not_found', `no operator ${name}`);
}
