// Read snapshots shared by two connections (a population read split across threads): a write
// lock held while both begin their read transactions keeps any commit from landing between them.
import Database from 'better-sqlite3';

/** Runs `fn` while a write lock on `file` keeps every other connection from committing. */
export function holdingWriters<T>(file: string, fn: () => T): T {
  const lock = new Database(file);
  try {
    lock.pragma('busy_timeout = 5000');
    lock.exec('BEGIN IMMEDIATE');
    try {
      return fn();
    } finally {
      lock.exec('ROLLBACK');
    }
  } finally {
    lock.close();
  }
}

/** Begins a read transaction and fixes its WAL snapshot now (the first read does). */
export function beginSnapshot(sqlite: Database.Database): void {
  sqlite.exec('BEGIN');
  sqlite.prepare('SELECT 1 FROM subjects LIMIT 1').get();
}

export function endSnapshot(sqlite: Database.Database): void {
  if (sqlite.inTransaction) sqlite.exec('COMMIT');
}
