import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id    TEXT    NOT NULL UNIQUE,
  stream_name TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (stream_name, revision)
);`;

/**
 * SQLite errors that mean "the store cannot answer now" (and may have ended the transaction).
 * By shape, not instanceof: the native addon keeps the first SqliteError class it was given
 * (under Jest, that of the first test file's context, with another realm's Error).
 */
export function isUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'SqliteError' && typeof code === 'string' && /BUSY|LOCKED|IOERR|CANTOPEN|FULL/.test(code);
}

/**
 * The log's directory (0700) and files (0600) are this user's only. SQLite gives the -wal and
 * -shm files the database file's mode; files of an older install are narrowed.
 */
export function createPrivately(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if (existsSync(path)) chmodSync(path, 0o600);
    } catch {
      // Another user's file (a shared install): its owner decides.
    }
  }
}
