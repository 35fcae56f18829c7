/**
 * Files a command writes outside the database for the length of one operation: the ingest's line-numbered copy of a
 * CSV (as big as the file), the lines it re-reads as text, and `pipeline compile`'s scratch copy of the database (a
 * folder). Each is removed by its operation's `finally`; the ones still on disk when the command is stopped by a
 * signal (Ctrl-C, `kill`, a closed terminal) are removed by the command line's signal handler (src/cli/main.ts)
 * before the process ends, so an interrupted ingest of a big file leaves nothing in the temp folder.
 *
 * SIGKILL (or a crash of the machine) cannot be caught: the files of a process stopped that way stay. Their names
 * carry the process's id (`pipeline-<kind>-<pid>-<random>`), so the next ingest or compile removes those whose
 * process is gone (sweepStaleTempFiles).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { processAlive } from './process-alive.ts';

const live = new Set<string>();

/** Registers a temp file (or folder) about to be written; returns its path. */
export function tempFile(file: string): string {
  live.add(file);
  return file;
}

/** A new temp path in $TMPDIR for `kind` (e.g. `ingest-numbered`, `compile`), registered: `pipeline-<kind>-<pid>-<random><ext>`. */
export function tempPath(kind: string, ext = ''): string {
  return tempFile(path.join(tmpdir(), `pipeline-${kind}-${process.pid}-${randomBytes(6).toString('hex')}${ext}`));
}

/**
 * Removes a temp file or folder (if it exists) and forgets it. A folder may gain a file while it is being removed
 * (compile's scratch database writes its WAL beside it on DuckDB's own threads, even while a signal handler runs):
 * rmSync's own retries (ENOTEMPTY among them) try its removal again then, without waiting.
 */
export function removeTempFile(file: string): void {
  rmSync(file, { force: true, recursive: true, maxRetries: 20, retryDelay: 0 });
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

/** A name tempPath makes, with the process id in it. */
const TEMP_NAME = /^pipeline-(?:ingest-[a-z]+|compile)-(\d+)-[0-9a-f]{12}(?:\.csv)?$/;

/** A temp file or folder removed by sweepStaleTempFiles: its path, its process, its size in bytes. */
export interface StaleTempFile {
  path: string;
  pid: number;
  bytes: number;
}

function sizeOf(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((n, e) => n + sizeOf(path.join(p, e)), 0);
}

/**
 * Removes the temp files and folders in `dir` ($TMPDIR) whose process is gone (stopped by SIGKILL, or the machine
 * went down while it ran), tells `say` what it removed (one line, only when it removed something) and returns them.
 * Best effort: one that cannot be read or removed is left. A process id the system has since given to another process
 * keeps its files until that process ends too. The commands that make temp files (ingest, compile) call it first.
 */
export function sweepStaleTempFiles(opts: { dir?: string; say?: (note: string) => void } = {}): StaleTempFile[] {
  const dir = opts.dir ?? tmpdir();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: StaleTempFile[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    const p = path.join(dir, name);
    try {
      const bytes = sizeOf(p);
      rmSync(p, { force: true, recursive: true });
      removed.push({ path: p, pid, bytes });
    } catch {
      // another process removed it first, or it cannot be removed: leave it
    }
  }
  if (removed.length && opts.say) {
    const mb = removed.reduce((n, f) => n + f.bytes, 0) / 1e6;
    const pids = [...new Set(removed.map((f) => f.pid))].join(', ');
    const what = removed.length === 1 ? 'temp file' : 'temp files';
    opts.say(`removed ${removed.length} ${what} (${mb.toFixed(1)} MB) left by a stopped command (PID ${pids}, no longer running): ${removed.map((f) => path.basename(f.path)).join(', ')}`);
  }
  return removed;
}
