// The SQL driver seam: the one store (sql-store.ts) speaks to SQLite and PostgreSQL through it.
// Queries are written once with PostgreSQL's `$1` placeholders; the SQLite driver maps them.

/** A value bound to a placeholder. */
export type SqlParam = string | number | bigint | Buffer | null;

/** A row as the driver returns it: BIGINT columns as numbers, BLOB/BYTEA as Buffers. */
export type SqlRow = Record<string, unknown>;

/** Queries on a connection, inside or outside a transaction. */
export interface SqlConn {
  /** Rows of a SELECT (or of a statement with RETURNING). */
  all(sql: string, params?: readonly SqlParam[]): Promise<SqlRow[]>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
}

/** What differs between the databases in the SQL the store writes. */
export interface Dialect {
  name: 'sqlite' | 'postgres';
  /** Column type of raw bytes. */
  bytes: string;
  /** Appended to a SELECT that must lock its rows until the transaction ends ('' where the whole database is locked). */
  forUpdate: string;
}

/** A database: connections, transactions, and a cross-replica lock taken inside a transaction. */
export interface SqlDb extends SqlConn {
  readonly dialect: Dialect;
  /**
   * Runs fn in a transaction that holds the write lock (SQLite) or row locks as taken
   * (PostgreSQL); commits if fn resolves, rolls back and rethrows if it throws.
   */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** Runs DDL (several statements, no parameters). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** A connection inside a transaction. */
export interface SqlTx extends SqlConn {
  /** Runs DDL (several statements, no parameters). */
  exec(sql: string): Promise<void>;
  /**
   * Serializes this transaction with every other one that takes the same named lock, across
   * processes, until it ends (PostgreSQL advisory lock; SQLite's write lock already does it).
   */
  lock(name: string): Promise<void>;
}
