/**
 * Where a model came from and what changed between two (issue 14, items 8 and 9): promotion lineage in
 * `models show`, and `models diff A B` with its section in the HTML report.
 *
 * DEV: one synthetic year (36 500 rows = 100 facilities × 365 days from 2024-01-01, seed 21) as batch 1; v1 trained by
 * run 1, v2 by run 2 (forced: same rows, so v2 equals v1 up to summation order); then a labelled covariate-shift year
 * (2025, seed 9) scored by run 3, whose data drift retrains v3 in child run 4.
 */
import { expect } from 'chai';
import path from 'node:path';
import type { PipelineDb } from '../../../src/db/database.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { diffModels, type ModelDiff } from '../../../src/inspect/model-diff.ts';
import { runPredictionPipeline, type PredictionOutcome } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import { promote } from '../../../src/registry/promote.ts';
import { buildReport } from '../../../src/report/report.ts';
import { defaultConfig, expectExit, generateFile, runCli, useTmpDir, withDb } from '../../support/helpers.ts';
import { FACILITIES, relClose, YEAR_ROWS } from '../training/fixtures.ts';

type Orig = { intercept: number; coefficients: Record<string, number> };
interface EvalRow {
  n_test: number;
  new_rmse: number;
  new_mae: number;
  new_r2: number;
  new_bias: number;
  active_model_version: number | null;
  active_rmse: number;
  active_mae: number;
  active_r2: number;
  active_bias: number;
}

describe('model lineage across stages and model diffs', function () {
  this.timeout(300_000);
  const dir = useTmpDir('mlp-lineage-');
  const config = defaultConfig();
  let dev: string;
  let prediction: PredictionOutcome;
  const open = <T>(file: string, fn: (db: PipelineDb) => Promise<T>) => withDb(fn, { path: file, threads: config.duckdb.threads });
  const evaluationOf = async (db: PipelineDb, version: number) =>
    (await db.query<EvalRow>('select e.* from model_evaluation_metadata e join models m using (run_id, model_version) where m.model_version = $1', [version]))[0];

  before(async () => {
    const year = path.join(dir(), 'year.csv');
    const shifted = path.join(dir(), 'covariate-2025.csv');
    await generateFile(year, { rows: YEAR_ROWS, seed: 21, facilities: FACILITIES });
    await generateFile(shifted, { rows: YEAR_ROWS, seed: 9, facilities: FACILITIES, scenario: 'covariate-shift', startDate: '2025-01-01' });
    dev = path.join(dir(), 'dev.duckdb');
    await open(dev, async (db) => {
      await ingestFile(db, config, year);
      await runTrainingPipeline(db, config, 'DEV');
      await runTrainingPipeline(db, config, 'DEV', { force: true });
      prediction = await runPredictionPipeline(db, config, 'DEV', { input: shifted });
    });
    expect(prediction.childRunIds).to.deep.equal([4]);
    expect(prediction.modelVersion, 'the retrained model was deployed').to.equal(3);
  });

  describe('promotion lineage (item 8)', () => {
    let uat: string;
    let prod: string;
    before(async () => {
      uat = path.join(dir(), 'uat.duckdb');
      prod = path.join(dir(), 'prod.duckdb');
      // DEV v2 (not the active one) becomes UAT v1: the numbers differ, and show must say so. The promotions are the
      // calls `pipeline models promote 2 --from DEV --to UAT` and `… --from UAT --to PROD` make, in this process (the
      // command itself is tested in registry.test.ts); what this suite checks is what show and list say afterwards
      const target = { threads: config.duckdb.threads, memoryLimit: config.duckdb.memory_limit };
      await withDb((db) => promote(db, config, { sourcePath: dev, fromStage: 'DEV', toStage: 'UAT', version: 2 }), { path: uat, ...target });
      await withDb((db) => promote(db, config, { sourcePath: uat, fromStage: 'UAT', toStage: 'PROD' }), { path: prod, ...target });
    });

    it('models show in UAT names the source stage, version, run and batches, and the version mapping', () => {
      const text = expectExit(runCli(['models', 'show', '1', '--stage', 'UAT', '--db', uat]), 0).stdout;
      expect(text).to.match(/\nLineage:\n  promoted from DEV v2 \(here v1: each stage numbers its own versions\) by promotion run 1 at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, from .*dev\.duckdb\n/);
      expect(text).to.match(/\n  source: DEV training run 2; DEV batches 1 \(year\.csv, 36500 rows, sha256 [0-9a-f]{12}\); window - … -; \d+ rows used\n/);
      expect(text).to.not.match(/training run 1; batches \[1\]/);
      const json = JSON.parse(expectExit(runCli(['models', 'show', '1', '--stage', 'UAT', '--db', uat, '--format', 'json']), 0).stdout) as { model: Record<string, unknown> };
      expect(json.model).to.include({ source_stage: 'DEV', source_model_version: 2, source_run_id: 2, run_type: 'PROMOTION' });
      // UAT's own batch ids are not claimed: the training metadata lists none of them
      expect(json.model.batches).to.deep.equal([]);
      const lineage = json.model.source_lineage as { batches: { batch_id: number; source_file: string; rows_accepted: number }[]; trained_in: { stage: string; model_version: number } };
      expect(lineage.batches.map((b) => [b.batch_id, path.basename(b.source_file), b.rows_accepted])).to.deep.equal([[1, 'year.csv', YEAR_ROWS]]);
      expect(lineage.trained_in).to.include({ stage: 'DEV', model_version: 2 });
      const list = expectExit(runCli(['models', 'list', '--stage', 'UAT', '--db', uat]), 0).stdout;
      expect(list).to.match(/\n\*\s+1\s+1\s.*promoted\s+DEV v2\n/);
    });

    it('a model promoted again (UAT → PROD) still names the stage that trained it', () => {
      const text = expectExit(runCli(['models', 'show', '1', '--stage', 'PROD', '--db', prod]), 0).stdout;
      expect(text).to.match(/promoted from UAT v1 \(here v1: each stage numbers its own versions\) by promotion run 1/);
      expect(text).to.match(/\n  source: UAT run 1, itself a promotion; first trained in DEV as v2 by run 2\n  DEV batches 1 \(year\.csv, 36500 rows/);
    });
  });

  describe('models diff (item 9)', () => {
    it("compares on the same rows with B's own evaluation when B was gated against A", async () => {
      const d = await open(dev, (db) => diffModels(db, config, 'DEV', 2, 3));
      const ev = await open(dev, (db) => evaluationOf(db, 3));
      expect(ev.active_model_version).to.equal(2);
      expect(d.metrics).to.include({ method: 'evaluation', n: ev.n_test });
      expect(d.metrics.b).to.include({ rmse: ev.new_rmse, mae: ev.new_mae, r2: ev.new_r2, bias: ev.new_bias });
      expect(d.metrics.a).to.include({ rmse: ev.active_rmse, mae: ev.active_mae, r2: ev.active_r2, bias: ev.active_bias });
    });

    it("otherwise scores A now on B's test rows through A's own processing (v1 ≡ v2, so it reproduces the gate's numbers)", async () => {
      const d = await open(dev, (db) => diffModels(db, config, 'DEV', 1, 3));
      const ev = await open(dev, (db) => evaluationOf(db, 3));
      expect(d.metrics.method).to.equal('replayed');
      expect(d.metrics.n).to.equal(ev.n_test);
      // v1 and v2 were trained on the same rows: equal up to the summation order of threads=2 aggregates (~1e-12)
      for (const k of ['rmse', 'mae', 'r2', 'bias'] as const) {
        expect(relClose(d.metrics.a![k] as number, ev[`active_${k}`], 1e-8), `v1 ${k} ${d.metrics.a![k]} vs v2's ${ev[`active_${k}`]}`).to.equal(true);
        expect(relClose(d.metrics.b![k] as number, ev[`new_${k}`], 1e-12), `v3 ${k}`).to.equal(true);
      }
    });

    it('gives raw-unit coefficients side by side with the change, training data and the drift decision that triggered B', async () => {
      let d!: ModelDiff;
      const stored = await open(dev, async (db) => {
        d = await diffModels(db, config, 'DEV', 1, 3);
        const rows = await db.query<{ model_version: number; c: string }>('select model_version, coefficients_original::varchar as c from models where model_version in (1, 3) order by 1');
        return rows.map((r) => JSON.parse(r.c) as Orig);
      });
      const [a, b] = stored;
      expect(d.coefficients[0]).to.deep.equal({ term: '(intercept)', a: a.intercept, b: b.intercept, change: b.intercept - a.intercept, relative_change: (b.intercept - a.intercept) / Math.abs(a.intercept) });
      expect(d.coefficients.map((c) => c.term)).to.deep.equal(['(intercept)', ...Object.keys(a.coefficients)]);
      for (const c of d.coefficients.slice(1)) expect(c.change, c.term).to.equal(b.coefficients[c.term] - a.coefficients[c.term]);
      expect(d.a).to.include({ model_version: 1, run_id: 1 });
      expect(d.a.batches).to.deep.equal([1]);
      expect(d.b).to.include({ model_version: 3, run_id: 4 });
      expect(d.b.batches).to.deep.equal([1, 2]);
      expect(d.b.train_max_time! > d.a.train_max_time!).to.equal(true);
      expect(d.trigger).to.have.length(1);
      const t = d.trigger[0];
      expect(t).to.include({ run_id: prediction.runId, kind: 'data', action: 'retrained_and_deployed', reference_model_version: 2 });
      expect(t.drifted.map((x) => x.test)).to.have.length(t.n_drifted);
      const text = expectExit(runCli(['models', 'diff', '1', '3', '--db', dev]), 0).stdout;
      expect(text).to.match(/^Model v1 → v3\n/);
      expect(text).to.match(/\nbatches\s+\[1\]\s+\[1,2\]\n/);
      expect(text).to.match(new RegExp(`\\nWhat triggered v3: data drift in prediction run ${prediction.runId} \\(against v2\\): ${t.n_drifted} of ${t.n_tests} tests drifted`));
      expect(text).to.match(/\nfossil_energy_mwh\s+-?\d+\.\d{6}\s+-?\d+\.\d{6}\s+[+-]\d+\.\d{6}\s+[+-]\d+\.\d\n/);
      expect(expectExit(runCli(['models', 'diff', '1', '--db', dev]), 2).stderr).to.contain('diff needs two versions');
      expect(expectExit(runCli(['models', 'diff', '1', '9', '--db', dev]), 3).stderr).to.contain('model version 9 does not exist');
    });

    it('the HTML report of a run that retrained has a "What changed" section; a run that did not has none', async () => {
      const [retrained, first] = await open(dev, async (db) => [
        (await buildReport(db, config, { stage: 'DEV', runId: prediction.runId })).html,
        (await buildReport(db, config, { stage: 'DEV', runId: 1 })).html,
      ]);
      const section = /<section id="changes">([\s\S]*?)<\/section>/.exec(retrained)?.[1];
      expect(section, 'the What changed section').to.be.a('string');
      expect(section).to.contain('<h3>v2 → v3</h3>');
      expect(section).to.match(/Metrics on the same rows: v3&#39;s \d+ test rows, as its training run 4 evaluated both before the gate/);
      expect(section).to.contain('What triggered v3');
      expect(retrained).to.contain('<a href="#changes">What changed</a>');
      expect(first).to.not.contain('id="changes"');
    });
  });

  // Runs last: it adds runs to DEV.
  describe('a drift-triggered retraining on rows the active model already learned from (item 1)', () => {
    it('trains nothing: the child run is skipped, the decision says why, and the predictions are flagged', async () => {
      await open(dev, async (db) => {
        // the batch whose labels trained v3, scored again: its distribution still differs from v3's two-year reference
        const again = await runPredictionPipeline(db, config, 'DEV', { input: path.join(dir(), 'covariate-2025.csv'), rescore: true });
        expect(again.dataDrift, 'data drift against v3').to.equal(true);
        expect(again.childRunIds).to.have.length(1);
        const [child] = await db.query<{ status: string; skip_reason: string; parent_run_id: number }>('select status, skip_reason, parent_run_id from pipeline_runs where run_id = $1', [again.childRunIds[0]]);
        expect(child).to.include({ status: 'skipped', parent_run_id: again.runId });
        expect(child.skip_reason).to.match(/^no new model: .* equal those of active v3$/);
        const [d] = await db.query<{ action: string; reason: string; child_run_id: number }>("select action, reason, child_run_id from drift_decisions where run_id = $1 and kind = 'data'", [again.runId]);
        expect(d).to.include({ action: 'retrain_skipped_same_data', child_run_id: again.childRunIds[0] });
        expect(d.reason).to.contain(`child run ${again.childRunIds[0]} trained nothing: no new model`);
        expect(again.flags).to.include('data_drift');
        expect(again.modelVersion).to.equal(3);
        expect((await db.query<{ n: number }>('select count(*) as n from models'))[0].n).to.equal(3);
      });
    });
  });
});
