// Opens the store a `--db` argument names: a SQLite file (default) or a postgres:// URL.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openPostgres } from './postgres.ts';
import { SqlStore } from './sql-store.ts';
import { openSqlite } from './sqlite.ts';
import type { Store } from './store.ts';

/** True iff db names a PostgreSQL database. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** Opens and initializes the store named by db (a file path, ':memory:' or a postgres:// URL). */
export async function openStore(db: string): Promise<Store> {
  let sql;
  if (isPostgresUrl(db)) sql = await openPostgres(db);
  else {
    if (db !== ':memory:') mkdirSync(dirname(db), { recursive: true, mode: 0o700 });
    sql = openSqlite(db);
  }
  const store = new SqlStore(sql);
  try {
    await store.init();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
