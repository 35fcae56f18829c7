/**
 * Running a stage day to day (issue 14, items 1–3): a retrain on unchanged data and config makes no new version,
 * a rollback (or pin) sticks until unpinned, and a batch is served again only on request, with the current serving marked.
 *
 * Every scenario works on its own copy of one trained database: one synthetic year (36 500 rows = 100 facilities ×
 * 365 days from 2024-01-01, seed 21) ingested as batch 1, model v1 trained by run 1 and active on DEV.
 */
import { expect } from 'chai';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../../src/config/load.ts';
import type { PipelineDb } from '../../../src/db/database.ts';
import { ensureDataTables } from '../../../src/db/data-tables.ts';
import { listMigrations, migrate } from '../../../src/db/migrate.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runPredictionPipeline } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import type { RunContext } from '../../../src/runs/run-log.ts';
import { recordStatements } from '../../../src/sql/recorder.ts';
import { trainingInputs } from '../../../src/steps/model-training.ts';
import { pin, unpin } from '../../../src/registry/pin.ts';
import { promote } from '../../../src/registry/promote.ts';
import { rollback } from '../../../src/registry/rollback.ts';
import { configWith, countRows, defaultConfig, expectExit, generateFile, runCli, useTmpDir, withDb } from '../../support/helpers.ts';
import { FACILITIES, YEAR_ROWS } from '../training/fixtures.ts';

interface HistoryRow {
  deployment_id: number;
  run_id: number | null;
  model_version: number;
  decision: string;
  reason: string;
  start_at: Date | null;
}

describe('model lifecycle: identical retrains, pinned stages, re-scoring', function () {
  this.timeout(300_000);
  const dir = useTmpDir('mlp-lifecycle-');
  const config = defaultConfig();
  let template: string;
  let year: string;

  before(async () => {
    year = path.join(dir(), 'year.csv');
    await generateFile(year, { rows: YEAR_ROWS, seed: 21, facilities: FACILITIES });
    template = path.join(dir(), 'template.duckdb');
    await withDb(
      async (db) => {
        await ingestFile(db, config, year);
        const out = await runTrainingPipeline(db, config, 'DEV');
        expect(out).to.include({ modelVersion: 1, deployed: true, skipped: false });
      },
      { path: template },
    );
  });

  /** A closed copy of the trained template. */
  const copy = (name: string): string => {
    const file = path.join(dir(), `${name}.duckdb`);
    copyFileSync(template, file);
    return file;
  };
  const open = <T>(file: string, fn: (db: PipelineDb) => Promise<T>) => withDb(fn, { path: file, threads: config.duckdb.threads });
  const history = (db: PipelineDb) => db.query<HistoryRow>('select deployment_id, run_id, model_version, decision, reason, start_at from model_deployment_history order by deployment_id');
  const active = async (db: PipelineDb, stage = 'DEV') => (await db.query<{ model_version: number }>('select model_version from active_model where stage = $1', [stage]))[0]?.model_version ?? null;

  describe('a training run on the data and config of the active model (item 1)', () => {
    let file: string;
    before(() => {
      file = copy('identical');
    });

    it('makes no new version: the run is recorded as skipped, with the reason, before any step ran', async () => {
      await open(file, async (db) => {
        const historyBefore = await history(db);
        const out = await runTrainingPipeline(db, config, 'DEV');
        expect(out).to.include({ skipped: true, deployed: false, modelVersion: 1, evaluation: null });
        expect(out.reason).to.match(/^no new model: the labelled data \(36500 rows, fingerprint [0-9a-f]{16}\) and the training config \(hash [0-9a-f]{16}\) equal those of active v1; use --force to train anyway$/);
        const [run] = await db.query<{ status: string; skip_reason: string; model_version: number; ended_at: Date | null }>('select status, skip_reason, model_version, ended_at from pipeline_runs where run_id = $1', [out.runId]);
        expect(run).to.deep.include({ status: 'skipped', skip_reason: out.reason, model_version: 1 });
        expect(run.ended_at).to.be.instanceOf(Date);
        // no work was wasted: not one step ran, nothing was written but the run's own row
        expect(await countRows(db, 'step_runs', `run_id = ${out.runId}`)).to.equal(0);
        expect(await countRows(db, 'models')).to.equal(1);
        expect(await countRows(db, 'data_processing_metadata', `run_id = ${out.runId}`)).to.equal(0);
        expect(await history(db)).to.deep.equal(historyBefore);
      });
    });

    it('says so on the command line and exits 0', () => {
      const res = expectExit(runCli(['run', '--type', 'TRAINING_PIPELINE', '--db', file, '-q']), 0);
      expect(res.stdout).to.match(/^run \d+: skipped — no new model: .* equal those of active v1; use --force to train anyway\n$/);
    });

    it('a gate or drift setting does not shape the model, so changing it still trains nothing', async () => {
      const cfg = configWith((raw) => {
        raw.steps.model_deployment.rmse_tolerance = 0.5;
        raw.steps.data_drift_detection.distance_threshold = 0.2;
        raw.dataset.description = 'another description';
      });
      await open(file, async (db) => expect((await runTrainingPipeline(db, cfg, 'DEV')).skipped).to.equal(true));
    });

    it('trains with --force, with a training config that shapes the model, and on new labelled rows', async () => {
      const more = path.join(dir(), 'more.csv');
      await generateFile(more, { rows: 3650, seed: 22, facilities: FACILITIES, startDate: '2025-01-01' });
      const trains = async (db: PipelineDb, cfg: Config, opts: { force?: boolean } = {}) => {
        const out = await runTrainingPipeline(db, cfg, 'DEV', opts);
        expect(out.skipped, out.reason).to.equal(false);
        return out.modelVersion;
      };
      await open(file, async (db) => {
        expect(await trains(db, config, { force: true })).to.equal(2);
        // v2 is active now, trained on the same rows and config: unforced, the next run is skipped again
        expect((await runTrainingPipeline(db, config, 'DEV')).reason).to.match(/equal those of active v2/);
        expect(await trains(db, configWith((raw) => (raw.steps.train_test_split.test_fraction = 0.25)))).to.equal(3);
        const v = await active(db);
        await ingestFile(db, config, more);
        // the active model may be v3 (test_fraction 0.25) or v2: either way the data are new to it
        expect(await trains(db, config)).to.equal(4);
        expect(v).to.be.oneOf([2, 3]);
      });
    });

    it('on more labelled rows than the active model was trained on, does not read them all to fingerprint them first, and records the same fingerprint', async () => {
      const more = path.join(dir(), 'more-rows.csv');
      await generateFile(more, { rows: 3650, seed: 23, facilities: FACILITIES, startDate: '2025-01-01' });
      await open(copy('more-rows'), async (db) => {
        await ingestFile(db, config, more);
        const recorded = recordStatements();
        let out;
        try {
          out = await runTrainingPipeline(db, config, 'DEV');
        } finally {
          recorded.stop();
        }
        expect(out.skipped, out.reason).to.equal(false);
        const files = recorded.statements.map((st) => st.file);
        // counted against the rows the active model's processing read (36 500), not hashed
        expect(files).to.include('sql/model_training/active_input_rows.sql');
        expect(files).to.not.include('sql/model_training/input_fingerprint.sql');
        // the fingerprint the one pass gave is the one the read of every row gives
        const ctx = { db, config, stage: 'DEV', runId: out.runId, pipelineType: 'TRAINING_PIPELINE' } as RunContext;
        const [m] = await db.query<{ input_fingerprint: string }>('select input_fingerprint from models where model_version = $1', [out.modelVersion]);
        expect(m.input_fingerprint).to.equal((await trainingInputs(ctx)).inputFingerprint);
      });
    });
  });

  describe('pinned stages (item 2)', () => {
    let file: string;
    let batch: string;
    before(async () => {
      file = copy('pins');
      batch = path.join(dir(), 'covariate-2025.csv');
      await generateFile(batch, { rows: YEAR_ROWS, seed: 9, facilities: FACILITIES, scenario: 'covariate-shift', startDate: '2025-01-01' });
      await open(file, async (db) => {
        expect((await runTrainingPipeline(db, config, 'DEV', { force: true })).deployed).to.equal(true);
      });
    });

    it('a rollback pins the stage: the next training run records "not deployed: stage pinned to v1" and v1 stays', async () => {
      await open(file, async (db) => {
        const r = await rollback(db, 'DEV', { reason: 'v2 mixes regimes' });
        expect(r).to.include({ from: 2, to: 1 });
        const out = await runTrainingPipeline(db, config, 'DEV', { force: true });
        expect(out).to.include({ skipped: false, deployed: false, modelVersion: 3 });
        const h = (await history(db)).find((x) => x.run_id === out.runId)!;
        expect(h).to.include({ model_version: 3, decision: 'blocked_by_pin', start_at: null });
        // the gate would have deployed it (same data as v1): the pin alone keeps it out, and the reason says both
        expect(h.reason).to.match(/^not deployed: stage pinned to v1 \(v2 mixes regimes\); run pipeline models unpin to allow deployments \(the gate said: deployed: /);
        expect(await active(db)).to.equal(1);
      });
    });

    it('status shows the pin and its reason, as text and as JSON', () => {
      const text = expectExit(runCli(['status', '--db', file]), 0).stdout;
      expect(text).to.match(/Active model: v1 since .*\n  why: rollback from v2 to v1: v2 mixes regimes\n/);
      expect(text).to.match(/\nPinned to v1 since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: v2 mixes regimes\n  automatic deployments are recorded as not deployed until: pipeline models unpin\n/);
      const json = JSON.parse(expectExit(runCli(['status', '--db', file, '--format', 'json']), 0).stdout) as { pin: { model_version: number; reason: string; pinned_at: string } };
      expect(json.pin).to.include({ model_version: 1, reason: 'v2 mixes regimes' });
      expect(Date.parse(json.pin.pinned_at)).to.be.a('number').and.not.NaN;
    });

    it('a drift-triggered retraining on a pinned stage trains, records the pin, and the batch is served by the pinned model', async () => {
      await open(file, async (db) => {
        const out = await runPredictionPipeline(db, config, 'DEV', { input: batch });
        expect(out.dataDrift).to.equal(true);
        expect(out.childRunIds).to.have.length(1);
        const [child] = await db.query<{ status: string; model_version: number }>('select status, model_version from pipeline_runs where run_id = $1', [out.childRunIds[0]]);
        expect(child.status).to.equal('succeeded');
        const [h] = await db.query<HistoryRow>('select decision, reason, start_at from model_deployment_history where run_id = $1', [out.childRunIds[0]]);
        expect(h).to.include({ decision: 'blocked_by_pin', start_at: null });
        expect(h.reason).to.match(/^not deployed: stage pinned to v1 \(v2 mixes regimes\)/);
        const [d] = await db.query<{ action: string; reason: string }>("select action, reason from drift_decisions where run_id = $1 and kind = 'data'", [out.runId]);
        expect(d.action).to.equal('retrained_not_deployed');
        expect(d.reason).to.contain('stage pinned to v1');
        expect(out.modelVersion).to.equal(1);
        expect(out.flags).to.include('data_drift');
        expect(await active(db)).to.equal(1);
      });
    });

    it('pin VERSION activates and pins another version; unpin lets the gate deploy again; both are history rows', async () => {
      await open(file, async (db) => {
        const p = await pin(db, 'DEV', 3, { reason: 'audit' });
        expect(p).to.include({ modelVersion: 3, replaced: 1, reason: 'audit' });
        expect(await active(db)).to.equal(3);
        const u = await unpin(db, 'DEV', { reason: 'audit done' });
        expect(u.modelVersion).to.equal(3);
        const rows = (await history(db)).slice(-2);
        expect(rows.map((r) => [r.model_version, r.decision, r.start_at === null])).to.deep.equal([
          [3, 'pin', false],
          [3, 'unpin', true],
        ]);
        expect(rows[0].reason).to.equal('pinned DEV to v3 (replacing active v1); the pin moves from v1: audit');
        expect(rows[1].reason).to.match(/^unpinned DEV from v3: audit done; /);
        expect(await countRows(db, 'stage_pins')).to.equal(0);
        const out = await runTrainingPipeline(db, config, 'DEV', { force: true });
        const [h] = await db.query<HistoryRow>('select decision from model_deployment_history where run_id = $1', [out.runId]);
        expect(h.decision).to.be.oneOf(['deployed', 'rejected']);
      });
    });

    it('refuses to pin a version that does not exist, a stage without a model, and to unpin a stage not pinned (exit 3)', () => {
      expect(expectExit(runCli(['models', 'pin', '99', '--db', file]), 3).stderr).to.contain('model version 99 does not exist');
      expect(expectExit(runCli(['models', 'pin', '1', '--stage', 'UAT', '--db', file]), 3).stderr).to.contain('no active model on UAT in this database');
      expect(expectExit(runCli(['models', 'unpin', '--db', file]), 3).stderr).to.contain('DEV is not pinned: nothing to unpin');
      const pinned = expectExit(runCli(['models', 'pin', '1', '--reason', 'freeze', '--db', file]), 0).stdout;
      expect(pinned).to.match(/^DEV: pinned to v1 \(replacing active v\d+\); automatic deployments are recorded but not made until: pipeline models unpin\n$/);
      expect(expectExit(runCli(['models', 'unpin', '--db', file]), 0).stdout).to.equal('DEV: unpinned (v1 stays active until a run deploys another model)\n');
    });

    it('a promotion into a pinned stage copies the model but does not deploy it, even forced', async () => {
      const uat = path.join(dir(), 'pins-uat.duckdb');
      await open(uat, async (db) => {
        const first = await promote(db, config, { sourcePath: template, fromStage: 'DEV', toStage: 'UAT' });
        expect(first.deployed).to.equal(true);
        await pin(db, 'UAT', first.targetVersion, { reason: 'release 1' });
        const second = await promote(db, config, { sourcePath: file, fromStage: 'DEV', toStage: 'UAT', version: 2, force: true, reason: 'hotfix' });
        expect(second).to.include({ deployed: false, targetVersion: 2 });
        expect(second.reason).to.match(/^promoted from DEV v2, not deployed: stage pinned to v1 \(release 1\)/);
        const [h] = await db.query<HistoryRow>('select decision from model_deployment_history where model_version = 2');
        expect(h.decision).to.equal('blocked_by_pin');
        expect(await active(db, 'UAT')).to.equal(1);
      });
    });
  });

  describe('re-scoring a batch (item 3)', () => {
    let file: string;
    let batch: string;
    const servedBy = (db: PipelineDb) =>
      db.query<{ run_id: number; batch_id: number; superseded_by_run: number | null; n: number }>(
        'select run_id, batch_id, superseded_by_run, count(*) as n from served_predictions group by all order by all',
      );
    before(async () => {
      file = copy('rescore');
      batch = path.join(dir(), 'baseline-2025-nolabels.csv');
      await generateFile(batch, { rows: YEAR_ROWS, seed: 7, facilities: FACILITIES, startDate: '2025-01-01', withTarget: false });
      // served once (run 2), as `pipeline run --type PREDICTION_PIPELINE --input …` would; the tests run the CLI on it
      await open(file, async (db) => expect((await runPredictionPipeline(db, config, 'DEV', { input: batch })).runId).to.equal(2));
    });

    it('refuses a batch already served (exit 3, naming the batch, the run and --rescore) and records nothing', async () => {
      const before = await open(file, async (db) => ({ runs: await countRows(db, 'pipeline_runs'), served: await servedBy(db) }));
      expect(before.served).to.deep.equal([{ run_id: 2, batch_id: 2, superseded_by_run: null, n: YEAR_ROWS }]);
      for (const args of [['--input', batch], []]) {
        const res = expectExit(runCli(['run', '--type', 'PREDICTION_PIPELINE', ...args, '--db', file, '-q']), 3);
        expect(res.stderr).to.match(/error: batch 2 \(.*baseline-2025-nolabels\.csv\) was already served by run 2 at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(36500 predictions\): pass --rescore to score it again/);
        expect(res.stdout).to.equal('');
      }
      await open(file, async (db) => {
        expect(await countRows(db, 'pipeline_runs')).to.equal(before.runs);
        expect(await servedBy(db)).to.deep.equal(before.served);
        expect(await countRows(db, 'ingest_batches')).to.equal(2);
      });
    });

    it('with --rescore serves it again and marks the earlier serving superseded; v_latest_predictions shows the current one', async () => {
      expectExit(runCli(['run', '--type', 'PREDICTION_PIPELINE', '--rescore', '--db', file, '-q']), 0);
      await open(file, async (db) => {
        expect(await servedBy(db)).to.deep.equal([
          { run_id: 2, batch_id: 2, superseded_by_run: 3, n: YEAR_ROWS },
          { run_id: 3, batch_id: 2, superseded_by_run: null, n: YEAR_ROWS },
        ]);
        const latest = await db.query<{ run_id: number; n: number }>('select run_id, count(*) as n from v_latest_predictions group by all');
        expect(latest).to.deep.equal([{ run_id: 3, n: YEAR_ROWS }]);
        const [step] = await db.query<{ message: string }>("select message from step_runs where run_id = 3 and step_name = 'serve_prediction'");
        expect(step.message).to.contain('re-scoring batch 2: supersedes run 2');
      });
    });

    it('a re-scoring that fails leaves the earlier serving current; resumed, it supersedes it', async () => {
      const failed = runCli(['run', '--type', 'PREDICTION_PIPELINE', '--rescore', '--db', file, '-q'], { env: { PIPELINE_FAIL_STEP: 'serve_prediction' } });
      expect(failed.code).to.equal(1);
      await open(file, async (db) => {
        expect((await servedBy(db)).filter((r) => r.superseded_by_run === null)).to.deep.equal([{ run_id: 3, batch_id: 2, superseded_by_run: null, n: YEAR_ROWS }]);
      });
      expectExit(runCli(['run', '--resume', '4', '--db', file, '-q']), 0);
      await open(file, async (db) => {
        expect(await servedBy(db)).to.deep.equal([
          { run_id: 2, batch_id: 2, superseded_by_run: 3, n: YEAR_ROWS },
          { run_id: 3, batch_id: 2, superseded_by_run: 4, n: YEAR_ROWS },
          { run_id: 4, batch_id: 2, superseded_by_run: null, n: YEAR_ROWS },
        ]);
      });
    });

    it('a database from before migration 003 gets the column and the view when it is next used', async () => {
      const older = path.join(dir(), 'migrations-001-002');
      mkdirSync(older);
      for (const m of listMigrations().filter((x) => x.version <= 2)) writeFileSync(path.join(older, m.file), m.sql);
      await withDb(
        async (db) => {
          await migrate(db, older);
          await ensureDataTables(db, config.contract);
          // what the table was before 003: no superseded_by_run
          await db.exec('alter table served_predictions drop column superseded_by_run');
          await db.exec('create or replace view v_latest_predictions as select * from served_predictions where run_id = (select max(run_id) from served_predictions)');
          expect(await migrate(db)).to.deep.equal(listMigrations().filter((x) => x.version > 2).map((x) => x.version));
          const cols = await db.query<{ column_name: string }>("select column_name from information_schema.columns where table_name = 'served_predictions' and column_name = 'superseded_by_run'");
          expect(cols).to.have.length(1);
          await ensureDataTables(db, config.contract);
          const [view] = await db.query<{ sql: string }>("select sql from duckdb_views() where view_name = 'v_latest_predictions'");
          expect(view.sql).to.contain('superseded_by_run IS NULL');
        },
        { migrate: false },
      );
    });
  });
});
