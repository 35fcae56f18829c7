/**
 * Locking: while one process holds a stage database (a `pipeline run`, or a long `pipeline ingest`), every other
 * command on it fails fast with exit code 4 and a message naming the holder's PID, and changes nothing; the holder
 * then completes normally.
 *
 * The holder is paused with SIGSTOP once its log shows it holds the database (and resumed with SIGCONT after the
 * contenders), so the contenders meet the lock whatever the speed of the machine.
 */
import { expect } from 'chai';
import path from 'node:path';
import { generateFile, useTmpDir } from '../../support/helpers.ts';
import { copyDb, counts, explain, invariantViolations, one, readDb, sharedCsv, startCli, trainedTemplate, type Exited, type Watched } from './support.ts';

/** Rows of the locking database (the holder is paused, so it need not be slow). */
const ROWS = 60_000;
/** A contender must give up within this many milliseconds (process start included). */
const FAST_MS = 10_000;
const TABLES = ['ingest_batches', 'raw_data', 'quarantine', 'pipeline_runs', 'step_runs', 'models', 'served_predictions'];

describe('reliability: a database held by one process', function () {
  this.timeout(300_000);
  const tmp = useTmpDir('mlp-lock-');
  let dbPath: string;
  let small: string;
  const started: Watched[] = [];

  before(async () => {
    dbPath = copyDb(await trainedTemplate(ROWS), path.join(tmp(), 'locked.duckdb'));
    small = path.join(tmp(), 'small.csv');
    await generateFile(small, { rows: 200, seed: 3, withTarget: false, startDate: '2025-06-01' });
  });

  after(() => {
    // never leave a paused or running child behind, whatever failed
    for (const w of started) {
      try {
        process.kill(w.pid, 'SIGCONT');
        w.child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });

  /** Starts `args` and pauses it as soon as a stderr line matching `held` shows it holds the database. */
  async function holdWith(args: string[], held: RegExp): Promise<Watched> {
    const w = startCli(args);
    started.push(w);
    await w.line(held);
    process.kill(w.pid, 'SIGSTOP');
    return w;
  }

  /** Runs each contender (one after the other, so each gets the machine) and checks it was refused fast with exit 4. */
  async function expectRefused(holder: Watched, contenders: string[][]): Promise<void> {
    for (const args of contenders) {
      const x: Exited = await startCli(args).exited;
      expect(x.code, `${args.join(' ')}: ${explain(x)}`).to.equal(4);
      expect(x.ms, `${args[0]} should fail fast`).to.be.below(FAST_MS);
      expect(x.stderr).to.match(/^error: database .*locked\.duckdb is in use by another process/m);
      // DuckDB names the process holding the lock; the message passes it on
      expect(x.stderr, 'the holder PID').to.include(`(PID ${holder.pid})`);
      expect(x.stderr).to.match(/wait for it to finish or stop it/);
      expect(x.stdout).to.equal('');
    }
  }

  it('while a pipeline run holds it: sql, ingest, run (both types) exit 4 at once, naming the PID; the run then succeeds', async () => {
    const before = await readDb(dbPath, (db) => counts(db, TABLES));
    const holder = await holdWith(['run', '--type', 'TRAINING_PIPELINE', '--force', '--db', dbPath], /step data_processing …/);
    try {
      await expectRefused(holder, [
        ['sql', 'select count(*) as n from pipeline_runs', '--db', dbPath, '--format', 'json'],
        ['ingest', small, '--db', dbPath],
        ['run', '--type', 'TRAINING_PIPELINE', '--force', '--db', dbPath],
        ['run', '--type', 'PREDICTION_PIPELINE', '--input', small, '--db', dbPath],
      ]);
    } finally {
      process.kill(holder.pid, 'SIGCONT');
    }
    const done = await holder.exited;
    expect(done.code, explain(done)).to.equal(0);
    await readDb(dbPath, async (db) => {
      const after = await counts(db, TABLES);
      // only the holder's run and its model were added; the refused commands left nothing
      expect(after).to.deep.include({ ingest_batches: before.ingest_batches, raw_data: before.raw_data, quarantine: before.quarantine, served_predictions: before.served_predictions });
      expect(after.pipeline_runs).to.equal(before.pipeline_runs + 1);
      expect(after.models).to.equal(before.models + 1);
      const run = await one<{ status: string }>(db, 'select status from pipeline_runs order by run_id desc limit 1');
      expect(run.status).to.equal('succeeded');
      expect(await invariantViolations(db, { noneRunning: true })).to.deep.equal([]);
    });
  });

  it('while a long ingest holds it: sql and run exit 4 at once; the ingest then loads every row', async () => {
    const before = await readDb(dbPath, (db) => counts(db, TABLES));
    // --verbose: the first statement's log line shows the database is open (and locked)
    const holder = await holdWith(['ingest', await sharedCsv(ROWS), '--force', '--db', dbPath, '--verbose'], /sql\/ingest\/find_checksum\.sql/);
    try {
      await expectRefused(holder, [
        ['sql', 'select 1', '--db', dbPath],
        ['run', '--type', 'TRAINING_PIPELINE', '--force', '--db', dbPath],
      ]);
    } finally {
      process.kill(holder.pid, 'SIGCONT');
    }
    const done = await holder.exited;
    expect(done.code, explain(done)).to.equal(0);
    expect(done.stdout).to.match(new RegExp(`: ${ROWS} rows read, ${ROWS} accepted, 0 quarantined`));
    await readDb(dbPath, async (db) => {
      const after = await counts(db, TABLES);
      expect(after.ingest_batches).to.equal(before.ingest_batches + 1);
      expect(after.raw_data).to.equal(before.raw_data + ROWS);
      expect(after.pipeline_runs).to.equal(before.pipeline_runs);
      const b = await one<{ forced: boolean; rows_read: number }>(db, 'select forced, rows_read from ingest_batches order by batch_id desc limit 1');
      expect(b).to.deep.equal({ forced: true, rows_read: ROWS });
    });
  });
});
