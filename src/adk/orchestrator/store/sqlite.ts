// The embedded store's driver: node:sqlite, one file (or :memory:), zero setup. SQLite is
// synchronous and has one connection here, so transactions are serialized by a queue in this
// process and by `BEGIN IMMEDIATE` (the database write lock) against other connections. A busy
// lock is retried after a timer, never waited for inside SQLite: a synchronous wait would block
// the event loop, and with it the connection of this process that holds the lock.
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { AutonomyError } from '../../../common/errors.ts';
import type { Dialect, SqlDb, SqlParam, SqlRow, SqlTx } from './driver.ts';

const SQLITE_BUSY = 5;
const DIALECT: Dialect = { name: 'sqlite', bytes: 'BLOB', forUpdate: '' };

/** `$1` → `?1`: SQLite reads `$1` as a *named* parameter numbered by first appearance. */
function mapPlaceholders(sql: string): string {
  return sql.replace(/\$(\d+)/g, '?$1');
}

function toRow(r: Record<string, unknown>): SqlRow {
  for (const [k, v] of Object.entries(r)) if (v instanceof Uint8Array && !Buffer.isBuffer(v)) r[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return r;
}

class SqliteDb implements SqlDb {
  readonly dialect = DIALECT;
  readonly #db: DatabaseSync;
  readonly #stmts = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    try {
      this.#db = new DatabaseSync(path);
    } catch (e) {
      throw new AutonomyError('store_unavailable', `cannot open SQLite database ${path}: ${(e as Error).message}`, { cause: e });
    }
    // WAL mode lets readers in other processes proceed during a write; busy_timeout makes a
    // second orchestrator process wait for the write lock instead of failing at once.
    if (path !== ':memory:') this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 0; PRAGMA foreign_keys = ON');
  }

  #prepare(sql: string): ReturnType<DatabaseSync['prepare']> {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(mapPlaceholders(sql));
      this.#stmts.set(sql, s);
    }
    return s;
  }

  #all(sql: string, params: readonly SqlParam[]): SqlRow[] {
    return this.#prepare(sql).all(...(params as SQLInputValue[])).map((r) => toRow(r as Record<string, unknown>));
  }

  #run(sql: string, params: readonly SqlParam[]): number {
    return Number(this.#prepare(sql).run(...(params as SQLInputValue[])).changes);
  }

  /** Runs fn after every earlier queued operation: one transaction at a time on this connection. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  all(sql: string, params: readonly SqlParam[] = []): Promise<SqlRow[]> {
    return this.#serial(async () => this.#all(sql, params));
  }

  run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    // A write takes the write lock; alone, it is its own transaction.
    return this.transaction(async (tx) => tx.run(sql, params));
  }

  /** BEGIN IMMEDIATE, retried on SQLITE_BUSY with a growing (deterministic) delay, up to about 30 s. */
  async #begin(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.#db.exec('BEGIN IMMEDIATE');
        return;
      } catch (e) {
        if ((e as { errcode?: number }).errcode !== SQLITE_BUSY || attempt >= 600) throw e;
      }
      await new Promise((r) => setTimeout(r, Math.min(50, 1 + attempt)));
    }
  }

  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      await this.#begin();
      const tx: SqlTx = {
        all: async (sql, params = []) => this.#all(sql, params),
        run: async (sql, params = []) => this.#run(sql, params),
        exec: async (sql) => this.#db.exec(sql),
        lock: async () => undefined,
      };
      try {
        const out = await fn(tx);
        this.#db.exec('COMMIT');
        return out;
      } catch (e) {
        this.#db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  async exec(sql: string): Promise<void> {
    await this.#serial(async () => this.#db.exec(sql));
  }

  async close(): Promise<void> {
    await this.#serial(async () => this.#db.close());
  }
}

/** Opens (creating if needed) a SQLite database file, or ':memory:'. */
export function openSqlite(path: string): SqlDb {
  return new SqliteDb(path);
}
