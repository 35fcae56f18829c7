/**
 * A TRAINING_PIPELINE run that SIGKILLs its own process right before a chosen statement: a crash at an exact point,
 * where a kill from outside (after a log line) can only land by chance. Used by crash.test.ts.
 *
 *   node --import tsx tests/integration/reliability/crash-at.ts DB SQL_REGEX [PARAM …]
 *
 * The process kills itself before the first statement whose text matches SQL_REGEX and whose bound parameters include
 * every PARAM. The database is opened as `pipeline run` opens it.
 */
import { loadConfig } from '../../../src/config/load.ts';
import { openDatabase } from '../../../src/db/database.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';

const [dbPath, pattern, ...mustInclude] = process.argv.slice(2);
if (!dbPath || !pattern) {
  process.stderr.write('usage: crash-at.ts DB SQL_REGEX [PARAM …]\n');
  process.exit(2);
}
const config = loadConfig();
const duck = config.duckdb as typeof config.duckdb & { deterministic?: boolean };
const db = await openDatabase(dbPath, { threads: duck.threads, memoryLimit: duck.memory_limit, deterministic: duck.deterministic } as Parameters<typeof openDatabase>[1]);
// Every statement reaches DuckDB through the one native connection (SQL files, typed builder queries and reads alike).
const native = db.native;
const run = native.runAndReadAll.bind(native);
const re = new RegExp(pattern, 'i');
native.runAndReadAll = (async (sqlText: string, values?: unknown, types?: unknown) => {
  const params = Array.isArray(values) ? values : [];
  if (re.test(sqlText) && mustInclude.every((p) => params.map(String).includes(p))) {
    process.stderr.write(`crash-at: killing this process before: ${sqlText.replace(/\s+/g, ' ').slice(0, 120)}\n`);
    process.kill(process.pid, 'SIGKILL');
    await new Promise(() => undefined);
  }
  return run(sqlText, values as never, types as never);
}) as typeof native.runAndReadAll;
// forced: the database's active model was trained on the same rows, and an unforced run would train nothing
await runTrainingPipeline(db, config, 'DEV', { force: true });
await db.close();
process.stderr.write('crash-at: the statement never ran\n');
process.exit(1);
