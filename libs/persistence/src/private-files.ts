import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/** Only the service's own user may list or enter the data folder. */
export const PRIVATE_FOLDER_MODE = 0o700;
/** Only the service's own user may read or write a database file. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes the data folder (and its missing parents) readable by its owner only. Modes are set with
 * chmod, not left to `mkdir`'s mode, which the process umask would loosen or tighten. A folder that
 * already existed keeps its mode: `SHOP_DATA_DIR` may name a folder the operator owns and manages.
 */
export function ensurePrivateFolder(dir: string): void {
  const firstCreated = mkdirSync(dir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  if (firstCreated !== undefined) chmodSync(dir, PRIVATE_FOLDER_MODE);
}

/**
 * Creates `file` if missing, and makes it (and SQLite's `-wal` and `-shm` beside it, when there)
 * readable and writable by its owner only, whatever the umask: the database holds password hashes.
 */
export function makeSqliteFilesPrivate(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, PRIVATE_FILE_MODE);
  }
}
