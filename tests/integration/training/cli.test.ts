/**
 * `pipeline run --type TRAINING_PIPELINE` on empty databases through the real CLI: DEV bootstraps the configured
 * synthetic dataset (config.yaml: 182 500 rows, baseline, seed 42, from 2024-01-01) and trains; UAT and PROD
 * never invent data and stop with exit code 3.
 */
import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { countRows, defaultConfig, expectExit, useTmpDir, withDb, type CliResult } from '../../support/helpers.ts';
import { runCliAsync } from './fixtures.ts';

describe('training CLI: pipeline run --type TRAINING_PIPELINE on an empty database', function () {
  this.timeout(180_000);
  const tmp = useTmpDir('mlp-train-cli-');
  const syn = defaultConfig().synthetic!;
  const STAGES = ['DEV', 'UAT', 'PROD'] as const;
  const dbPath = (stage: string) => path.join(tmp(), stage.toLowerCase(), `${stage.toLowerCase()}.duckdb`);
  const results: Partial<Record<(typeof STAGES)[number], CliResult>> = {};

  // The three runs use separate databases: run them at once, then check each.
  before(async () => {
    const out = await Promise.all(STAGES.map((stage) => runCliAsync(['run', '--type', 'TRAINING_PIPELINE', '--stage', stage, '--db', dbPath(stage)])));
    STAGES.forEach((stage, i) => (results[stage] = out[i]));
  });

  it('DEV generates and ingests the default synthetic data (origin synthetic), then trains and deploys', async () => {
    const res = expectExit(results.DEV!, 0, 'DEV training');
    expect(res.stdout).to.match(/^run 1: model v1 deployed — deployed: no active model on DEV/m);
    const csvName = `synthetic_${defaultConfig().contract.name}_${syn.scenario}_seed${syn.seed}_${syn.rows}.csv`;
    expect(existsSync(path.join(tmp(), 'dev', csvName)), `${csvName} next to the database`).to.equal(true);
    await withDb(
      async (db) => {
        const batches = await db.query<{ batch_id: number; origin: string; source_file: string; rows_read: number; rows_accepted: number; rows_quarantined: number; rows_labelled: number; min_time: string; forced: boolean }>(
          'select batch_id, origin, source_file, rows_read, rows_accepted, rows_quarantined, rows_labelled, min_time, forced from ingest_batches',
        );
        expect(batches).to.have.length(1);
        expect(batches[0]).to.include({ batch_id: 1, origin: 'synthetic', rows_read: syn.rows, rows_accepted: syn.rows, rows_quarantined: 0, rows_labelled: syn.rows });
        expect(String(batches[0].min_time)).to.match(new RegExp(`^${syn.start_date}`));
        expect(path.basename(batches[0].source_file)).to.equal(csvName);
        expect(await countRows(db, 'raw_data')).to.equal(syn.rows);
        const runs = await db.query<{ run_id: number; pipeline_type: string; stage: string; status: string; model_version: number }>('select run_id, pipeline_type, stage, status, model_version from pipeline_runs');
        expect(runs).to.deep.equal([{ run_id: 1, pipeline_type: 'TRAINING_PIPELINE', stage: 'DEV', status: 'succeeded', model_version: 1 }]);
        expect(await countRows(db, 'step_runs', "run_id = 1 and status = 'succeeded'")).to.equal(5);
        const [active] = await db.query<{ stage: string; model_version: number }>('select stage, model_version from active_model');
        expect(active).to.deep.equal({ stage: 'DEV', model_version: 1 });
        // Trained on all 182 500 rows: 80% train (seeded hash split), test RMSE ≈ noise sd 2 (n_test ≈ 36 500: SE ≈ 0.007).
        const [m] = await db.query<{ n_train: number; new_rmse: number }>('select n_train, new_rmse from models join model_evaluation_metadata using (run_id)');
        expect(m.n_train / syn.rows).to.be.within(0.79, 0.81);
        expect(m.new_rmse).to.be.within(1.95, 2.05);
      },
      { path: dbPath('DEV'), readOnly: true, migrate: false },
    );
  });

  for (const stage of ['UAT', 'PROD'] as const) {
    it(`${stage} on an empty database stops with exit code 3 and a clear message, inventing no data`, async () => {
      const dir = path.dirname(dbPath(stage));
      const res = expectExit(results[stage]!, 3, `${stage} training`);
      expect(res.stderr).to.include(`the ${stage} database has no labelled rows to train on: ingest data first (pipeline ingest FILE --stage ${stage})`);
      expect(res.stdout).to.not.match(/deployed/);
      // No file generated next to the database, and no run, batch or model recorded in it.
      expect(readdirSync(dir).filter((f) => f.endsWith('.csv'))).to.deep.equal([]);
      await withDb(
        async (db) => {
          for (const t of ['pipeline_runs', 'ingest_batches', 'models', 'active_model']) expect(await countRows(db, t), t).to.equal(0);
        },
        { path: dbPath(stage), readOnly: true, migrate: false },
      );
    });
  }
});
