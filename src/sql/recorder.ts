import { AsyncLocalStorage } from 'node:async_hooks';

/** One statement as DuckDB received it: its text, its bound values, and where in the pipeline it came from. */
export interface ExecutedStatement {
  /** The step running it (pipeline_runs' step name), or undefined outside a step. */
  step?: string;
  /** The `.sql` file it was rendered from (`sql/<folder>/<file>.sql`), or undefined for a typed-builder query. */
  file?: string;
  sql: string;
  params: readonly unknown[];
}

interface Origin {
  step?: string;
  file?: string;
}

const origin = new AsyncLocalStorage<Origin>();
const listeners = new Set<(s: ExecutedStatement) => void>();

/** Runs `fn` with the statements it executes attributed to `step` (inside another step, e.g. a retrain's: `outer/step`). */
export function inStep<T>(step: string, fn: () => Promise<T>): Promise<T> {
  const outer = origin.getStore()?.step;
  return origin.run({ step: outer ? `${outer}/${step}` : step }, fn);
}

/** Runs `fn` with the statements it executes attributed to the `.sql` file `file`. */
export function fromFile<T>(file: string, fn: () => Promise<T>): Promise<T> {
  return origin.run({ ...origin.getStore(), file }, fn);
}

/** Runs `fn` with its statements attributed to no file (e.g. the session settings around a file's statement). */
export function notFromFile<T>(fn: () => Promise<T>): Promise<T> {
  const store = origin.getStore();
  return store?.file ? origin.run({ step: store.step }, fn) : fn();
}

/** Called by the DuckDB connection for every statement it runs; a no-op unless someone listens. */
export function noteStatement(sql: string, params: readonly unknown[]): void {
  if (listeners.size === 0) return;
  const { step, file } = origin.getStore() ?? {};
  const s: ExecutedStatement = { step, file, sql, params };
  for (const l of listeners) l(s);
}

/** Collects every statement run until the returned `stop` is called (for `pipeline compile` and the plan test). */
export function recordStatements(): { statements: ExecutedStatement[]; stop: () => void } {
  const statements: ExecutedStatement[] = [];
  const listener = (s: ExecutedStatement) => statements.push(s);
  listeners.add(listener);
  return { statements, stop: () => listeners.delete(listener) };
}
