/**
 * Crash tests: a real `pipeline run` is killed with SIGKILL at chosen points (right after a stderr log line shows the
 * step, or the statement inside it, has started), then the database is opened and checked: it opens, the active model
 * is unchanged unless the deployment had committed, no partial output of the killed step is visible, the killed run
 * is marked 'aborted' by the next start, and the next run succeeds.
 *
 * The kill is sent from the child's stderr handler, a few milliseconds after the line. Each kill point is retried (up
 * to 3 times) until the kill lands inside the step it targets; every attempt, hit or miss, must leave a consistent
 * database.
 */
import { expect } from 'chai';
import path from 'node:path';
import { PROJECT_ROOT, generateFile, useTmpDir } from '../../support/helpers.ts';
import { activeModel, copyDb, explain, invariantViolations, one, readDb, startCli, startScript, trainedTemplate, type Exited } from './support.ts';

/** The script that kills its own run right before a chosen statement. */
const CRASH_AT = path.join(PROJECT_ROOT, 'tests/integration/reliability/crash-at.ts');

interface KillPoint {
  /** The step the kill must land in. */
  step: string;
  /** The stderr line (with --verbose) after which the process is killed. */
  after: RegExp;
  /** What was happening when the kill landed. */
  what: string;
}

interface StepRow {
  step_name: string;
  status: string;
}

interface Killed {
  runId: number;
  exit: Exited;
  killedAfter: string;
  steps: StepRow[];
  /** The step left 'running' by the kill (null if the kill landed between steps). */
  interrupted: string | null;
}

/**
 * Rows of the crash database. The kill points are statements inside the steps (not the steps' first seconds), so the
 * steps need not be long; a smaller table keeps each of the ten runs short.
 */
const CRASH_ROWS = 60_000;

/** Rows of the prediction batch (unlabelled, so drift never retrains). */
const BATCH_ROWS = 30_000;

const TRAINING = ['data_processing', 'train_test_split', 'model_training', 'model_evaluation', 'model_deployment'];

describe('reliability: SIGKILL during a run leaves a consistent database', function () {
  this.timeout(900_000);
  const tmp = useTmpDir('mlp-crash-');
  let dbPath: string;
  let batchFile: string;
  /** Runs killed so far, in order: each must be 'aborted' once a later run has started. */
  const killedRuns: number[] = [];
  /** Where each kill landed, printed at the end (how many attempts a kill point needed). */
  const landed: string[] = [];

  after(() => {
    if (landed.length) console.log(`      kills: ${landed.join('; ')}`);
  });

  before(async () => {
    dbPath = copyDb(await trainedTemplate(CRASH_ROWS), path.join(tmp(), 'crash.duckdb'));
    batchFile = path.join(tmp(), 'batch.csv');
    await generateFile(batchFile, { rows: BATCH_ROWS, seed: 8, withTarget: false, startDate: '2025-01-01' });
  });

  const runSteps = (runId: number) =>
    readDb(dbPath, (db) => db.query<StepRow>('select step_name, status from step_runs where run_id = $1 order by step_order', [runId]));

  /** Starts `args`, kills it after `point.after`; retries until the kill lands in `point.step` (at most 3 attempts). */
  async function killDuring(args: string[], point: KillPoint): Promise<Killed> {
    let last: Killed | undefined;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const before = await readDb(dbPath, async (db) => ({
        maxRun: (await one<{ r: number | null }>(db, 'select max(run_id) as r from pipeline_runs')).r ?? 0,
        active: await activeModel(db),
      }));
      const w = startCli(args);
      w.killOn(point.after);
      const exit = await w.exited;
      expect(exit.signal, `the run should have been killed after ${point.after}\n${explain(exit)}`).to.equal('SIGKILL');
      const runId = await readDb(dbPath, async (db) => (await one<{ r: number }>(db, 'select max(run_id) as r from pipeline_runs')).r);
      expect(runId).to.be.greaterThan(before.maxRun);
      const steps = await runSteps(runId);
      const interrupted = steps.find((s) => s.status === 'running')?.step_name ?? null;
      last = { runId, exit, killedAfter: w.killedAfter() as string, steps, interrupted };
      killedRuns.push(runId);
      await expectConsistentAfterKill(last, before.active);
      landed.push(`${point.step} attempt ${attempt}: ${interrupted ?? 'between steps'}`);
      if (interrupted === point.step) return last;
    }
    throw new Error(`the kill never landed in step ${point.step} (last attempt: ${JSON.stringify(last?.steps)}, killed after ${last?.killedAfter})`);
  }

  /** What must hold right after a kill, before any other process opened the database. */
  async function expectConsistentAfterKill(k: Killed, activeBefore: Awaited<ReturnType<typeof activeModel>>): Promise<void> {
    await readDb(dbPath, async (db) => {
      // the killed run is still marked running (nobody has opened the database since), earlier killed runs are aborted
      const run = await one<{ status: string }>(db, 'select status from pipeline_runs where run_id = $1', [k.runId]);
      expect(run.status, 'killed run before the next start').to.equal('running');
      // no partial output anywhere
      expect(await invariantViolations(db)).to.deep.equal([]);
      // the killed run's own outputs exist exactly for its succeeded steps
      const ok = (step: string) => k.steps.some((s) => s.step_name === step && s.status === 'succeeded');
      const tables = new Set((await db.query<{ t: string }>("select table_name as t from information_schema.tables where table_schema = 'main'")).map((r) => r.t));
      const has = (t: string) => tables.has(t);
      const nRows = async (table: string) => (await one<{ n: number }>(db, `select count(*) as n from ${table} where run_id = $1`, [k.runId])).n;
      if (k.steps[0]?.step_name === 'data_processing') {
        expect(has(`processed_r${k.runId}`), 'processed table').to.equal(ok('data_processing'));
        expect(await nRows('data_processing_metadata')).to.equal(ok('data_processing') ? 1 : 0);
      }
      const deployed = await db.query<{ model_version: number; decision: string; deployment_id: number }>('select model_version, decision, deployment_id from model_deployment_history where run_id = $1', [k.runId]);
      const active = await activeModel(db);
      const { type } = await one<{ type: string }>(db, 'select pipeline_type as type from pipeline_runs where run_id = $1', [k.runId]);
      if (type === 'TRAINING_PIPELINE') {
        expect(await nRows('models')).to.equal(ok('model_training') ? 1 : 0);
        expect(await nRows('model_training_metadata')).to.equal(ok('model_training') ? 1 : 0);
        expect(has(`train_r${k.runId}`) && has(`test_r${k.runId}`)).to.equal(ok('train_test_split'));
        expect(await nRows('model_evaluation_metadata')).to.equal(ok('model_evaluation') ? 1 : 0);
      }
      if (ok('model_deployment')) {
        // the deployment committed: the decision is recorded and, if it deployed, the new model is active
        expect(deployed).to.have.length(1);
        if (deployed[0].decision === 'deployed') expect(active).to.deep.equal({ model_version: deployed[0].model_version, deployment_id: deployed[0].deployment_id });
        else expect(active).to.deep.equal(activeBefore);
      } else {
        expect(deployed, 'no decision recorded by a deployment that did not commit').to.deep.equal([]);
        expect(active, 'active model unchanged').to.deep.equal(activeBefore);
      }
    });
  }

  /** The state of earlier killed runs once a later run has started: aborted, with their interrupted step aborted. */
  async function expectEarlierKillsAborted(exceptLast: boolean): Promise<void> {
    const earlier = exceptLast ? killedRuns.slice(0, -1) : killedRuns;
    if (!earlier.length) return;
    await readDb(dbPath, async (db) => {
      const rows = await db.query<{ run_id: number; status: string; error: string | null; ended: boolean }>(
        `select run_id, status, error, ended_at is not null as ended from pipeline_runs where run_id in (${earlier.join(', ')}) order by run_id`,
      );
      for (const r of rows) {
        if (r.status === 'succeeded') continue; // a kill that landed after the run finished (during close)
        expect(r, `run ${r.run_id}`).to.deep.include({ status: 'aborted', ended: true });
        expect(r.error).to.match(/process ended/);
      }
      const running = await db.query(`select run_id, step_name from step_runs where status = 'running' and run_id in (${earlier.join(', ')})`);
      expect(running).to.deep.equal([]);
    });
  }

  describe('TRAINING_PIPELINE', () => {
    const points: KillPoint[] = [
      { step: 'data_processing', after: /debug\s+sql\/data_processing\/design_sums\.sql/, what: 'its processed view and design sums written, not committed' },
      { step: 'train_test_split', after: /info\s+step train_test_split …/, what: 'creating the split views' },
      { step: 'model_training', after: /debug\s+sql\/model_training\/next_model_version\.sql/, what: 'writing the models row' },
      { step: 'model_evaluation', after: /info\s+step model_evaluation …/, what: 'scoring the test rows' },
      { step: 'model_deployment', after: /debug\s+kysely: insert into "model_deployment_history"/, what: 'decision row written, active_model not yet' },
    ];
    for (const p of points) {
      it(`killed during ${p.step} (${p.what}): nothing of the step is visible, the active model is unchanged`, async () => {
        const k = await killDuring(['run', '--type', 'TRAINING_PIPELINE', '--force', '--db', dbPath, '--verbose'], p);
        expect(k.interrupted).to.equal(p.step);
        const order = TRAINING.indexOf(p.step);
        expect(k.steps.map((s) => s.step_name)).to.deep.equal(TRAINING.slice(0, order + 1));
        expect(k.steps.slice(0, order).every((s) => s.status === 'succeeded')).to.equal(true);
        // the start of this run aborted the run killed before it
        await expectEarlierKillsAborted(true);
      });
    }

    it('killed after the run reported its outcome (while the database closes): the run and its deployment stay committed', async () => {
      const before = await readDb(dbPath, (db) => activeModel(db));
      const w = startCli(['run', '--type', 'TRAINING_PIPELINE', '--force', '--db', dbPath]);
      // the outcome line is on stdout; the last stderr line before the close is the deployment's
      w.killOn(/step model_deployment done/);
      const exit = await w.exited;
      expect(exit.signal, explain(exit)).to.equal('SIGKILL');
      await readDb(dbPath, async (db) => {
        const run = await one<{ run_id: number; status: string }>(db, 'select run_id, status from pipeline_runs order by run_id desc limit 1');
        killedRuns.push(run.run_id);
        const steps = await db.query<StepRow>('select step_name, status from step_runs where run_id = $1 order by step_order', [run.run_id]);
        expect(steps.map((s) => [s.step_name, s.status])).to.deep.equal(TRAINING.map((s) => [s, 'succeeded']));
        expect(['running', 'succeeded']).to.include(run.status);
        const [dep] = await db.query<{ model_version: number; decision: string; deployment_id: number }>('select model_version, decision, deployment_id from model_deployment_history where run_id = $1', [run.run_id]);
        expect(dep, 'the committed deployment decision').to.not.equal(undefined);
        expect(await activeModel(db)).to.deep.equal(dep.decision === 'deployed' ? { model_version: dep.model_version, deployment_id: dep.deployment_id } : before);
        expect(await invariantViolations(db)).to.deep.equal([]);
      });
    });

    // runStep records a step's success inside the step's own transaction, so a kill just before that update
    // (the last statement before the commit) leaves neither the outputs nor the success: they commit together.
    it('killed after the deployment work, before step_runs records it: outputs and step status agree', async () => {
      const activeBefore = await readDb(dbPath, (db) => activeModel(db));
      const w = startScript(CRASH_AT, [dbPath, '^\\s*update\\s+"?step_runs"?', 'model_deployment', 'succeeded']);
      const exit = await w.exited;
      expect(exit.signal, explain(exit)).to.equal('SIGKILL');
      expect(exit.stderr).to.match(/crash-at: killing this process before: update "?step_runs"?/);
      await readDb(dbPath, async (db) => {
        const run = await one<{ run_id: number }>(db, 'select max(run_id) as run_id from pipeline_runs');
        killedRuns.push(run.run_id);
        const dep = await db.query<{ model_version: number; decision: string }>('select model_version, decision from model_deployment_history where run_id = $1', [run.run_id]);
        const step = await one<{ status: string }>(db, "select status from step_runs where run_id = $1 and step_name = 'model_deployment'", [run.run_id]);
        // either the deployment did not commit (nothing recorded, active model unchanged) or it did and the step says so
        if (dep.length === 0) expect(await activeModel(db)).to.deep.equal(activeBefore);
        else expect(step.status, `the deployment committed (${JSON.stringify(dep)}) but its step is '${step.status}'`).to.equal('succeeded');
        expect(await invariantViolations(db)).to.deep.equal([]);
      });
    });

    it('the next run marks every killed run aborted and succeeds', async () => {
      const w = startCli(['run', '--type', 'TRAINING_PIPELINE', '--force', '--db', dbPath]);
      const exit = await w.exited;
      expect(exit.code, explain(exit)).to.equal(0);
      expect(exit.stderr).to.match(/marked aborted/);
      await expectEarlierKillsAborted(false);
      await readDb(dbPath, async (db) => {
        const run = await one<{ run_id: number; status: string; model_version: number }>(db, 'select run_id, status, model_version from pipeline_runs order by run_id desc limit 1');
        expect(run.status).to.equal('succeeded');
        expect(killedRuns).to.not.include(run.run_id);
        const steps = await db.query<StepRow>('select step_name, status from step_runs where run_id = $1 order by step_order', [run.run_id]);
        expect(steps.map((s) => [s.step_name, s.status])).to.deep.equal(TRAINING.map((s) => [s, 'succeeded']));
        const [dep] = await db.query<{ decision: string; model_version: number }>('select decision, model_version from model_deployment_history where run_id = $1', [run.run_id]);
        expect(dep.model_version).to.equal(run.model_version);
        if (dep.decision === 'deployed') expect((await activeModel(db))?.model_version).to.equal(run.model_version);
        expect(await invariantViolations(db, { noneRunning: true })).to.deep.equal([]);
        // models only for runs whose training committed: one per succeeded model_training step
        const m = await one<{ models: number; trained: number }>(
          db,
          "select (select count(*) from models) as models, (select count(*) from step_runs where step_name = 'model_training' and status = 'succeeded') as trained",
        );
        expect(m.models).to.equal(m.trained);
      });
    });
  });

  describe('PREDICTION_PIPELINE', () => {
    const args = () => ['run', '--type', 'PREDICTION_PIPELINE', '--input', batchFile, '--db', dbPath, '--verbose'];
    const PREDICTION = ['data_processing', 'data_drift_detection', 'model_prediction', 'model_drift_detection', 'serve_prediction'];

    it('killed during model_prediction: no predictions table, nothing served; the input batch stays ingested', async () => {
      const k = await killDuring(args(), { step: 'model_prediction', after: /info\s+step model_prediction …/, what: 'scoring the batch' });
      expect(k.steps.map((s) => s.step_name)).to.deep.equal(PREDICTION.slice(0, 3));
      await readDb(dbPath, async (db) => {
        const tables = (await db.query<{ t: string }>("select table_name as t from information_schema.tables where table_schema = 'main'")).map((r) => r.t);
        expect(tables).to.not.include(`predictions_r${k.runId}`);
        expect((await one<{ n: number }>(db, 'select count(*) as n from served_predictions where run_id = $1', [k.runId])).n).to.equal(0);
        // the batch was ingested (committed) before the run started, once
        const b = await db.query<{ batch_id: number; rows_read: number; rows_accepted: number; origin: string }>(
          "select batch_id, rows_read, rows_accepted, origin from ingest_batches where origin = 'prediction-input'",
        );
        expect(b).to.have.length(1);
        expect(b[0]).to.include({ rows_read: BATCH_ROWS, rows_accepted: BATCH_ROWS });
        expect((await one<{ n: number }>(db, 'select count(*) as n from raw_data where batch_id = $1', [b[0].batch_id])).n).to.equal(BATCH_ROWS);
      });
    });

    it('killed during serve_prediction: not one served row of the run is visible', async () => {
      const k = await killDuring(args(), { step: 'serve_prediction', after: /info\s+step serve_prediction …/, what: 'inserting the served rows' });
      expect(k.steps.map((s) => s.step_name)).to.deep.equal(PREDICTION);
      await expectEarlierKillsAborted(true);
      await readDb(dbPath, async (db) => {
        expect((await one<{ n: number }>(db, 'select count(*) as n from served_predictions where run_id = $1', [k.runId])).n).to.equal(0);
        // the same input was found by its checksum: still one batch
        expect((await one<{ n: number }>(db, "select count(*) as n from ingest_batches where origin = 'prediction-input'")).n).to.equal(1);
      });
    });

    it('the next prediction run marks the killed ones aborted and serves every row of the batch once', async () => {
      const w = startCli(args());
      const exit = await w.exited;
      expect(exit.code, explain(exit)).to.equal(0);
      await expectEarlierKillsAborted(false);
      await readDb(dbPath, async (db) => {
        const run = await one<{ run_id: number; status: string; batch_id: number }>(db, "select run_id, status, batch_id from pipeline_runs where pipeline_type = 'PREDICTION_PIPELINE' order by run_id desc limit 1");
        expect(run.status).to.equal('succeeded');
        const served = await one<{ n: number; keys: number }>(db, 'select count(*) as n, count(distinct (facility_id, date)) as keys from served_predictions where run_id = $1', [run.run_id]);
        expect(served).to.deep.equal({ n: BATCH_ROWS, keys: BATCH_ROWS });
        // only the successful run served anything
        expect((await one<{ n: number }>(db, 'select count(distinct run_id) as n from served_predictions')).n).to.equal(1);
        expect(await invariantViolations(db, { noneRunning: true })).to.deep.equal([]);
      });
    });
  });
});
