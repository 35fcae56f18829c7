/**
 * model_prediction's predictions table: written in the processed rows' order (raw_data's, the batch's file order), so
 * prediction_metrics.sql sums it on one thread without sorting. Each row reads its group's leverage terms and level
 * coefficients from lists by its index among every combination of levels; past a limit of combinations the groups
 * present are joined instead and the rows put back in order. Both paths must give the same rows, bit for bit.
 */
import { expect } from 'chai';
import path from 'node:path';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runPredictionPipeline } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import type { RunContext } from '../../../src/runs/run-log.ts';
import { loadFitParams } from '../../../src/steps/data-processing.ts';
import { modelPrediction } from '../../../src/steps/model-prediction.ts';
import { loadModel } from '../../../src/steps/model.ts';
import { configWith, generateFile, useTmpDir } from '../../support/helpers.ts';

describe('prediction: the predictions table', function () {
  this.timeout(300_000);
  const tmp = useTmpDir('mlp-predtable-');
  // retraining off: the batch is scored by the trained model whatever its drift
  const config = configWith((raw) => {
    raw.steps.data_drift_detection.retrain_on_drift = false;
    raw.steps.model_drift_detection.retrain_on_drift = false;
  });
  let db: PipelineDb;
  let ctx: RunContext;
  let processedTable: string;
  let pipelineTable: string;

  before(async () => {
    const train = path.join(tmp(), 'train.csv');
    const batch = path.join(tmp(), 'batch.csv');
    await generateFile(train, { rows: 6000, seed: 3, facilities: 60, startDate: '2024-01-01' });
    // a few malformed rows: their lines are left out of raw_data, so source_row has gaps
    await generateFile(batch, { rows: 3000, seed: 4, facilities: 60, startDate: '2024-04-10', badRows: 0.01 });
    db = await openDatabase(path.join(tmp(), 'p.duckdb'), { threads: config.duckdb.threads });
    await ingestFile(db, config, train);
    await runTrainingPipeline(db, config, 'DEV');
    const out = await runPredictionPipeline(db, config, 'DEV', { input: batch });
    ctx = { db, config, stage: 'DEV', runId: out.runId, pipelineType: 'PREDICTION_PIPELINE' };
    const [meta] = await db.query<{ processed_table: string; predictions_table: string }>(
      `select d.processed_table, e.predictions_table from data_processing_metadata d join batch_evaluations e using (run_id) where run_id = $1`,
      [out.runId],
    );
    processedTable = meta.processed_table;
    pipelineTable = meta.predictions_table;
  });

  after(async () => {
    await db?.close();
  });

  async function rows(table: string): Promise<Record<string, unknown>[]> {
    return db.query(`select * from "${table}" order by rowid`);
  }

  it("keeps the processed rows' order: source_row ascending, every processed row once", async () => {
    const [r] = await db.query<{ n: number; n_processed: number; out_of_order: number }>(
      `select count(*) as n, (select count(*) from "${processedTable}") as n_processed,
              count(*) filter (where source_row <= previous) as out_of_order
       from (select source_row, lag(source_row) over (order by rowid) as previous from "${pipelineTable}")`,
    );
    expect(r.n).to.be.greaterThan(2900);
    expect(r.n).to.equal(r.n_processed);
    expect(r.out_of_order).to.equal(0);
  });

  it('gives the same rows and the same one-pass metrics, bit for bit, whether the groups are read from lists or joined', async () => {
    const model = await loadModel(db, (await db.query<{ model_version: number }>('select model_version from active_model where stage = $1', ['DEV']))[0].model_version);
    const fit = await loadFitParams(ctx, model.runId);
    // 20 regions × 5 sectors: 100 combinations, read from lists by default; a limit of 0 joins them
    const listed = await modelPrediction(ctx, processedTable, model, fit, 'test_predictions_listed', undefined);
    const joined = await modelPrediction(ctx, processedTable, model, fit, 'test_predictions_joined', undefined, { denseGroupLimit: 0 });
    const a = await rows('test_predictions_listed');
    const b = await rows('test_predictions_joined');
    expect(a.length).to.equal(listed.n);
    expect(b).to.deep.equal(a);
    expect(joined.metrics).to.deep.equal(listed.metrics);
    // and the pipeline's own table is the same
    expect(await rows(pipelineTable)).to.deep.equal(a);
    expect(listed.metrics?.nActual).to.be.greaterThan(0);
  });
});
