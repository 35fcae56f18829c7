/**
 * Files a command writes outside the database for the length of one operation: the ingest's line-numbered copy of a
 * CSV (as big as the file) and the lines it re-reads as text. Each is removed by its operation's `finally`; the ones
 * still on disk when the command is stopped by a signal (Ctrl-C, `kill`, a closed terminal) are removed by the
 * command line's signal handler (src/cli/main.ts) before the process ends, so an interrupted ingest of a big file
 * leaves nothing in the temp folder.
 */
import { rmSync } from 'node:fs';

const live = new Set<string>();

/** Registers a temp file about to be written; returns its path. */
export function tempFile(file: string): string {
  live.add(file);
  return file;
}

/** Removes a temp file (if it exists) and forgets it. */
export function removeTempFile(file: string): void {
  rmSync(file, { force: true });
  live.delete(file);
}

/** Removes every registered temp file still on disk (best effort: called while the process is being stopped). */
export function removeAllTempFiles(): void {
  for (const file of [...live]) {
    try {
      removeTempFile(file);
    } catch {
      // a file that cannot be removed must not stop the others
    }
  }
}

/** The temp files registered and not yet removed (for tests). */
export const liveTempFiles = (): string[] => [...live];
