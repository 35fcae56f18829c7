import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import { defaultConfig, expectExit, generateFile, queryJson, runCli, useTmpDir, withDb } from '../../support/helpers.ts';

describe('inspection: status, models list/show/rollback/promote, dry run', function () {
  this.timeout(300_000);
  const dir = useTmpDir('mlp-registry-');
  let dev: string;

  before(async () => {
    dev = path.join(dir(), 'dev.duckdb');
    const data = path.join(dir(), 'year.csv');
    await generateFile(data, { rows: 36500, seed: 21, facilities: 100 });
    // what `pipeline ingest` and two `pipeline run --type TRAINING_PIPELINE` (the second with --force) do, in this
    // process with the CLI's DuckDB settings: the commands under test here are the ones that read and change the registry
    const config = defaultConfig();
    await withDb(
      async (db) => {
        await ingestFile(db, config, data);
        expect(await runTrainingPipeline(db, config, 'DEV')).to.include({ modelVersion: 1, deployed: true });
        expect(await runTrainingPipeline(db, config, 'DEV', { force: true })).to.include({ modelVersion: 2, deployed: true });
      },
      { path: dev, threads: config.duckdb.threads, memoryLimit: config.duckdb.memory_limit, deterministic: config.duckdb.deterministic },
    );
  });

  it('status shows the active model, why, and the recent runs (text and JSON)', () => {
    const text = expectExit(runCli(['status', '--db', dev]), 0).stdout;
    expect(text).to.match(/Active model: v2 since /);
    expect(text).to.contain('why: deployed: test RMSE');
    expect(text).to.match(/Recent runs:\n.*\n2\s+TRAINING_PIPELINE\s+succeeded/);
    const json = JSON.parse(expectExit(runCli(['status', '--db', dev, '--format', 'json']), 0).stdout);
    expect(json.activeModel.model_version).to.equal(2);
    expect(json.recentRuns.map((r: { run_id: number }) => r.run_id)).to.deep.equal([2, 1]);
  });

  it('models list marks the active version; show gives coefficients and lineage', () => {
    const list = JSON.parse(expectExit(runCli(['models', 'list', '--db', dev, '--format', 'json']), 0).stdout) as { model_version: number; is_active: boolean }[];
    expect(list.map((m) => [m.model_version, m.is_active])).to.deep.equal([[1, false], [2, true]]);
    const show = expectExit(runCli(['models', 'show', '1', '--db', dev]), 0).stdout;
    expect(show).to.contain('Model v1 (ols), trained by run 1');
    expect(show).to.match(/training run 1; batches \[1\]; window - … -; \d+ rows used/);
    expect(show).to.match(/fossil_energy_mwh\s+0\.39\d+|fossil_energy_mwh\s+0\.40\d+/);
    expect(runCli(['models', 'show', '9', '--db', dev]).code).to.equal(3);
  });

  it('rollback re-activates the previous model in one step with a history row, and status shows it', async () => {
    const out = expectExit(runCli(['models', 'rollback', '--db', dev, '--reason', 'test']), 0).stdout;
    expect(out).to.contain('rolled back from v2 to v1');
    expect(await queryJson(dev, 'select model_version from active_model')).to.deep.equal([{ model_version: 1 }]);
    const hist = await queryJson<{ model_version: number; decision: string; reason: string; end_at: string | null }>(dev, 'select model_version, decision, reason, end_at from model_deployment_history order by deployment_id');
    expect(hist.map((h) => [h.model_version, h.decision])).to.deep.equal([[1, 'deployed'], [2, 'deployed'], [1, 'rollback']]);
    expect(hist[2].reason).to.equal('rollback from v2 to v1: test');
    expect(hist[1].end_at, 'the replaced deployment is ended').to.not.equal(null);
    expect(hist[2].end_at).to.equal(null);
    expect(expectExit(runCli(['status', '--db', dev]), 0).stdout).to.match(/Active model: v1 since /);
    // and back again to v2 explicitly
    expectExit(runCli(['models', 'rollback', '--to', '2', '--db', dev]), 0);
    expect(await queryJson(dev, 'select model_version from active_model')).to.deep.equal([{ model_version: 2 }]);
  });

  it('promote DEV → UAT copies the model with its lineage, gates it, and leaves DEV unchanged', async () => {
    const uat = path.join(dir(), 'uat.duckdb');
    const devBefore = await queryJson(dev, 'select (select count(*) from models) as models, (select count(*) from model_deployment_history) as history, (select model_version from active_model) as active');
    const out = expectExit(runCli(['models', 'promote', '--from', 'DEV', '--to', 'UAT', '--from-db', dev, '--db', uat]), 0).stdout;
    expect(out).to.match(/DEV v2 copied to UAT as v1: deployed — promoted from DEV v2: deployed: no active model on UAT/);
    expect(await queryJson(dev, 'select (select count(*) from models) as models, (select count(*) from model_deployment_history) as history, (select model_version from active_model) as active')).to.deep.equal(devBefore);
    const [m] = await queryJson<{ model_version: number; run_id: number; from_version: number; n_train: number }>(uat, "select model_version, run_id, (hyperparameters->'$.promoted_from.model_version')::integer as from_version, n_train from models");
    expect(m).to.include({ model_version: 1, from_version: 2 });
    const [devModel] = await queryJson<{ n_train: number; coefficients: number[] }>(dev, 'select n_train, coefficients from models where model_version = 2');
    expect(m.n_train).to.equal(devModel.n_train);
    expect(await queryJson(uat, 'select coefficients from models')).to.deep.equal([{ coefficients: devModel.coefficients }]);
    expect(await queryJson(uat, 'select stage, model_version from active_model')).to.deep.equal([{ stage: 'UAT', model_version: 1 }]);
    expect(await queryJson(uat, "select pipeline_type from pipeline_runs")).to.deep.equal([{ pipeline_type: 'PROMOTION' }]);
    // lineage came along: processing parameters, split, training and evaluation metadata, reference sample
    for (const t of ['data_processing_metadata', 'train_test_split_metadata', 'model_training_metadata', 'model_evaluation_metadata']) {
      expect((await queryJson<{ n: number }>(uat, `select count(*) as n from ${t}`))[0].n, t).to.equal(1);
    }
    expect((await queryJson<{ n: number }>(uat, `select count(*) as n from reference_r${m.run_id}`))[0].n).to.be.greaterThan(0);
  });

  it('run --dry-run plans on a scratch copy: a database that does not exist is not created', () => {
    const fresh = path.join(dir(), 'never.duckdb');
    const res = expectExit(runCli(['run', '--type', 'PREDICTION_PIPELINE', '--dry-run', '--db', fresh]), 3);
    expect(res.stderr).to.contain('no active model on DEV');
    expect(existsSync(fresh)).to.equal(false);
  });
});
