/**
 * Watching a run at work. A real training run is held in its model_training step (PIPELINE_PAUSE_STEP waits for a
 * file the test creates), so the readers meet a busy stage whatever the speed of the machine: `status` shows what
 * runs (run, pipeline, step, finished steps with rows, PID, since when) and exits 0; `sql`, `models list` and
 * `report` still exit 4, and say which run holds the stage and since when. Once released, the run succeeds and
 * leaves no activity file. A lock without an activity file (another DuckDB client), or with a stale one, is a
 * plain lock error.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../src/db/database.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { activityPath, type Activity } from '../../../src/runs/activity.ts';
import { defaultConfig, expectExit, generateFile, runCli, runCliAsync, useTmpDir, withDb } from '../../support/helpers.ts';
import { explain, startCli, type Watched } from '../reliability/support.ts';

/** Polls the activity file until `ready` holds for it (the run reached the step). */
async function waitForActivity(dbPath: string, ready: (a: Activity) => boolean, holder: Watched, timeoutMs = 60_000): Promise<Activity> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const a = JSON.parse(readFileSync(activityPath(dbPath), 'utf8')) as Activity;
      if (ready(a)) return a;
    } catch {
      // not written yet, or being replaced
    }
    if (holder.child.exitCode !== null) throw new Error(`the run ended early:\n${holder.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no activity matching within ${timeoutMs} ms:\n${holder.stderr()}`);
}

describe('inspection: a stage busy with a run', function () {
  this.timeout(120_000);
  const tmp = useTmpDir('mlp-busy-');
  let dbPath: string;
  let holder: Watched | undefined;

  before(async () => {
    dbPath = path.join(tmp(), 'busy.duckdb');
    const csv = path.join(tmp(), 'small.csv');
    await generateFile(csv, { rows: 3000, seed: 5 });
    // what `pipeline ingest` does, in this process: the commands under test run as the CLI against it
    await withDb((db) => ingestFile(db, defaultConfig(), csv), { path: dbPath });
  });

  after(() => {
    if (holder && holder.child.exitCode === null) holder.child.kill('SIGKILL');
  });

  it('status shows the run at work; sql, models list and report say who holds the stage and since when (exit 4)', async () => {
    const release = path.join(tmp(), 'release');
    holder = startCli(['run', '--type', 'TRAINING_PIPELINE', '--db', dbPath], { PIPELINE_PAUSE_STEP: `model_training=${release}` });
    const a = await waitForActivity(dbPath, (x) => x.runs[0]?.step?.name === 'model_training', holder);
    expect(a.pid).to.equal(holder.pid);
    expect(a.command).to.equal(`run --type TRAINING_PIPELINE --db ${dbPath}`);

    const [status, json, sql, list, report] = await Promise.all([
      runCliAsync(['status', '--db', dbPath]),
      runCliAsync(['status', '--db', dbPath, '--format', 'json']),
      runCliAsync(['sql', 'select 1', '--db', dbPath]),
      runCliAsync(['models', 'list', '--db', dbPath]),
      runCliAsync(['report', '--out', path.join(tmp(), 'r.html'), '--db', dbPath]),
    ]);
    const text = expectExit(status, 0).stdout;
    expect(text).to.include(`Busy: 'pipeline run --type TRAINING_PIPELINE --db ${dbPath}', PID ${holder.pid} on `);
    expect(text).to.match(/^Run 1: TRAINING_PIPELINE, started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ s ago\)$/m);
    expect(text).to.match(/^ {2}done +data_processing +succeeded +\d+\.\d\d s {2}3,000 rows$/m);
    expect(text).to.match(/^ {2}done +train_test_split +succeeded/m);
    expect(text).to.match(/^ {2}running +model_training +step 3, for \d+ s/m);

    const j = JSON.parse(expectExit(json, 0).stdout) as { busy: Activity; database: string };
    expect(j.database).to.equal(dbPath);
    expect(j.busy.pid).to.equal(holder.pid);
    expect(j.busy.runs.map((r) => [r.runId, r.pipeline, r.step?.name])).to.deep.equal([[1, 'TRAINING_PIPELINE', 'model_training']]);
    expect(j.busy.runs[0].done.map((d) => [d.name, d.status, d.rowsOut])).to.deep.equal([
      ['data_processing', 'succeeded', 3000],
      ['train_test_split', 'succeeded', 3000],
    ]);

    for (const [what, res] of [['sql', sql], ['models list', list], ['report', report]] as const) {
      const err = expectExit(res, 4, what).stderr;
      expect(err, what).to.match(new RegExp(`^error: database .*busy\\.duckdb is in use by another process \\(PID ${holder.pid}\\): it is busy with run 1 \\(TRAINING_PIPELINE, step model_training\\), since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(\\d+ s\\); wait for it to finish`, 'm'));
      expect(res.stdout, what).to.equal('');
    }
    expect(existsSync(path.join(tmp(), 'r.html'))).to.equal(false);

    writeFileSync(release, '');
    const done = await holder.exited;
    expect(done.code, explain(done)).to.equal(0);
    expect(existsSync(activityPath(dbPath)), 'the activity file is removed at the end').to.equal(false);
    const after = expectExit(runCli(['status', '--db', dbPath]), 0).stdout;
    expect(after).to.match(/^Active model: v1 /m);
    expect(after).to.not.include('Busy:');
  });

  it('a lock held without an activity file, or with a stale one, is a plain lock error (exit 4)', async () => {
    // a stale file: a process that has ended
    const gone = startCli(['generate', '--rows', '1', '--out', path.join(tmp(), 'one.csv')]);
    await gone.exited;
    const stale: Activity = { pid: gone.pid, hostname: (await import('node:os')).hostname(), command: 'run --type TRAINING_PIPELINE', database: dbPath, stage: 'DEV', since: new Date().toISOString(), updatedAt: new Date().toISOString(), runs: [] };
    writeFileSync(activityPath(dbPath), JSON.stringify(stale));
    // this test process holds the lock, as another DuckDB client would
    const db = await openDatabase(dbPath);
    try {
      const [status, sql] = await Promise.all([runCliAsync(['status', '--db', dbPath]), runCliAsync(['sql', 'select 1', '--db', dbPath])]);
      for (const res of [status, sql]) {
        const err = expectExit(res, 4).stderr;
        expect(err).to.match(new RegExp(`^error: database .*busy\\.duckdb is in use by another process \\(PID ${process.pid}\\); wait for it to finish or stop it$`, 'm'));
        expect(err).to.not.include('busy with');
      }
    } finally {
      await db.close();
    }
    // and a free stage with a stale file is simply free
    expectExit(runCli(['status', '--db', dbPath]), 0);
  });
});
