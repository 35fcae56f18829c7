import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import { PROJECT_ROOT, defaultConfig, expectExit, generateFile, queryJson, runCli, useTmpDir, withDb } from '../../support/helpers.ts';

describe('pipeline run --resume', function () {
  this.timeout(300_000);
  const dir = useTmpDir('mlp-resume-');
  let data: string;
  let ingested: string;

  before(async () => {
    data = path.join(dir(), 'train.csv');
    await generateFile(data, { rows: 36500, seed: 3, facilities: 100 });
    // Every test starts from a database with these rows ingested: ingested once here, each test works on a copy.
    ingested = path.join(dir(), 'ingested.duckdb');
    // what `pipeline ingest` does, in this process (the resume tests run the CLI on copies of it)
    await withDb((db) => ingestFile(db, defaultConfig(), data), { path: ingested });
  });

  /** A copy of the database holding the ingested rows (batch 1, nothing else). */
  const ingestedCopy = (name: string) => {
    const db = path.join(dir(), name);
    copyFileSync(ingested, db);
    return db;
  };

  it('restarts a failed training run from its failed step, reusing the steps that succeeded', async () => {
    const db = ingestedCopy('a.duckdb');
    const failed = runCli(['run', '--type', 'TRAINING_PIPELINE', '--db', db, '-q'], { env: { PIPELINE_FAIL_STEP: 'model_evaluation' } });
    expect(failed.code).to.equal(1);
    expect(failed.stderr).to.contain('injected failure in step model_evaluation');
    const before = await queryJson<{ step_name: string; status: string; started_at: string }>(db, 'select step_name, status, started_at from step_runs where run_id = 1 order by step_order');
    expect(before.map((s) => `${s.step_name}:${s.status}`)).to.deep.equal([
      'data_processing:succeeded',
      'train_test_split:succeeded',
      'model_training:succeeded',
      'model_evaluation:failed',
    ]);
    // The failed step left nothing behind and nothing is active.
    expect(await queryJson(db, 'select * from model_evaluation_metadata')).to.have.length(0);
    expect(await queryJson(db, 'select * from active_model')).to.have.length(0);

    const resumed = expectExit(runCli(['run', '--resume', '1', '--db', db, '-q']), 0);
    expect(resumed.stdout).to.contain('model v1 deployed');
    const after = await queryJson<{ step_name: string; status: string; started_at: string }>(db, 'select step_name, status, started_at from step_runs where run_id = 1 order by step_order');
    expect(after.map((s) => `${s.step_name}:${s.status}`)).to.deep.equal([
      'data_processing:succeeded',
      'train_test_split:succeeded',
      'model_training:succeeded',
      'model_evaluation:succeeded',
      'model_deployment:succeeded',
    ]);
    // The reused steps were not run again: same start times as before the resume.
    expect(after.slice(0, 3).map((s) => s.started_at)).to.deep.equal(before.slice(0, 3).map((s) => s.started_at));
    const runs = await queryJson<{ run_id: number; status: string; trigger_reason: string }>(db, 'select run_id, status, trigger_reason from pipeline_runs');
    expect(runs).to.have.length(1);
    expect(runs[0].status).to.equal('succeeded');
    expect(runs[0].trigger_reason).to.contain('from step model_evaluation');
    // One model: the one trained before the failure, now evaluated and deployed.
    expect(await queryJson(db, 'select model_version from models')).to.deep.equal([{ model_version: 1 }]);
    expect(await queryJson(db, 'select stage, model_version from active_model')).to.deep.equal([{ stage: 'DEV', model_version: 1 }]);

    const again = runCli(['run', '--resume', '1', '--db', db, '-q']);
    expect(again.code).to.equal(3);
    expect(again.stderr).to.contain('only failed or aborted runs can be resumed');
  });

  it('refuses to resume over changed input, and leaves the run as it was', async () => {
    const db = ingestedCopy('b.duckdb');
    expect(runCli(['run', '--type', 'TRAINING_PIPELINE', '--db', db, '-q'], { env: { PIPELINE_FAIL_STEP: 'model_training' } }).code).to.equal(1);
    const more = path.join(dir(), 'more.csv');
    await generateFile(more, { rows: 3650, seed: 4, facilities: 100, startDate: '2026-01-01' });
    await withDb((d) => ingestFile(d, defaultConfig(), more), { path: db });
    const refused = runCli(['run', '--resume', '1', '--db', db, '-q']);
    expect(refused.code).to.equal(3);
    expect(refused.stderr).to.match(/cannot resume run 1: the labelled input changed since data_processing ran \(rows\/ids 36500:/);
    expect(await queryJson(db, "select status from pipeline_runs where run_id = 1")).to.deep.equal([{ status: 'failed' }]);
    expect(await queryJson(db, 'select * from models')).to.have.length(0);
  });

  it('refuses a resume when the config changed', () => {
    const db = ingestedCopy('c.duckdb');
    expect(runCli(['run', '--type', 'TRAINING_PIPELINE', '--db', db, '-q'], { env: { PIPELINE_FAIL_STEP: 'train_test_split' } }).code).to.equal(1);
    const cfg = path.join(dir(), 'config.yaml');
    writeFileSync(cfg, readFileSync(path.join(PROJECT_ROOT, 'config/config.yaml'), 'utf8').replace('test_fraction: 0.2', 'test_fraction: 0.3'));
    const refused = runCli(['run', '--resume', '1', '--db', db, '--config', cfg, '-q']);
    expect(refused.code).to.equal(3);
    expect(refused.stderr).to.contain('the configuration changed since it ran');
  });

  it('resumes a failed prediction run after its data processing', async () => {
    const db = ingestedCopy('d.duckdb');
    // the active model the prediction run needs, trained as `pipeline run --type TRAINING_PIPELINE` does, in this process
    const config = defaultConfig();
    await withDb((d) => runTrainingPipeline(d, config, 'DEV'), { path: db, threads: config.duckdb.threads, memoryLimit: config.duckdb.memory_limit, deterministic: config.duckdb.deterministic });
    const batch = path.join(dir(), 'batch.csv');
    await generateFile(batch, { rows: 36500, seed: 5, facilities: 100, startDate: '2025-01-01' });
    const failed = runCli(['run', '--type', 'PREDICTION_PIPELINE', '--input', batch, '--db', db, '-q'], { env: { PIPELINE_FAIL_STEP: 'serve_prediction' } });
    expect(failed.code).to.equal(1);
    expect(await queryJson(db, 'select count(*) as n from served_predictions')).to.deep.equal([{ n: 0 }]);
    expectExit(runCli(['run', '--resume', '2', '--db', db, '-q']), 0);
    expect(await queryJson(db, 'select run_id, count(*) as n from served_predictions group by run_id')).to.deep.equal([{ run_id: 2, n: 36500 }]);
    expect((await queryJson(db, "select count(*) as n from data_drift_results where run_id = 2"))[0]).to.deep.equal({ n: 8 });
    const steps = await queryJson<{ step_name: string }>(db, "select step_name from step_runs where run_id = 2 and status = 'succeeded' order by step_order");
    expect(steps.map((s) => s.step_name)).to.deep.equal(['data_processing', 'data_drift_detection', 'model_prediction', 'model_drift_detection', 'serve_prediction']);
  });
});
