/**
 * The evaluation's stored predictions without a sort: eval_predictions_r{run} is kept in key order (batch_id,
 * source_row), which the readers that sum in stored order depend on. The one pass over the test rows writes them in
 * raw_data's order; where that is key order (as ingestion leaves it) eval_predictions_r{run} is a view over them as
 * they are (no second copy), or with a model active a copy of them paired by position with the active model's
 * predictions (read from raw_data by the split's predicate); where it is not (raw_data rewritten out of order here),
 * the evaluation stores them sorted and joins as before. Either way: key order, and the
 * active model's predictions on the test rows are, bit for bit, the ones its own run stored for the same rows.
 */
import { expect } from 'chai';
import path from 'node:path';
import type { Config } from '../../../src/config/load.ts';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import { recordStatements } from '../../../src/sql/recorder.ts';
import { runTables, type RunContext } from '../../../src/runs/run-log.ts';
import { loadFitParams } from '../../../src/steps/data-processing.ts';
import { intervalEvaluation } from '../../../src/steps/model-evaluation.ts';
import { loadModel } from '../../../src/steps/model.ts';
import { configWith, defaultConfig, generateFile, removeDir, tmpDir } from '../../support/helpers.ts';

/** Runs a (forced) training and returns its run id and the .sql files its model_evaluation step ran. */
async function train(db: PipelineDb, config: Config): Promise<{ runId: number; files: string[]; sqlOf: (file: string) => string[] }> {
  const rec = recordStatements();
  let runId: number;
  try {
    runId = (await runTrainingPipeline(db, config, 'DEV', { force: true })).runId;
  } finally {
    rec.stop();
  }
  const ev = rec.statements.filter((s) => s.step === 'model_evaluation' && s.file);
  // Each statement without its comment lines.
  const code = (text: string) => text.split('\n').filter((l) => !l.trimStart().startsWith('--')).join('\n');
  return { runId, files: ev.map((s) => path.basename(s.file as string, '.sql')), sqlOf: (f) => ev.filter((s) => path.basename(s.file as string, '.sql') === f).map((s) => code(s.sql)) };
}

/** Whether eval_predictions_r{run} is a view or a table. */
async function kindOf(db: PipelineDb, name: string): Promise<string | undefined> {
  const [k] = await db.query<{ t: string }>(`select table_type as t from information_schema.tables where table_schema = 'main' and table_name = '${name}'`);
  return k?.t;
}

/** Rows of a table whose stored position (rowid order) is not their position in key order. */
async function tableOutOfKeyOrder(db: PipelineDb, table: string): Promise<number> {
  const [r] = await db.query<{ n: number }>(`select count(*) filter (where by_rowid <> by_key) as n from (
      select row_number() over (order by rowid) as by_rowid, row_number() over (order by batch_id, source_row) as by_key
      from ${table})`);
  return Number(r.n);
}

/** Rows of eval_predictions_r{run} out of key order in storage: a table's own rows, or for the view, the intervals table's. */
async function outOfKeyOrder(db: PipelineDb, runId: number): Promise<number> {
  const kind = await kindOf(db, `eval_predictions_r${runId}`);
  return tableOutOfKeyOrder(db, kind === 'VIEW' ? `eval_intervals_r${runId}` : `eval_predictions_r${runId}`);
}

/** The active model's predictions in run `second` against the ones its own run (`first`) stored for the same rows. */
async function activeAgainstOwn(db: PipelineDb, first: number, second: number): Promise<{ n: number; rows: number; differ: number }> {
  const [r] = await db.query<{ n: number; rows: number; differ: number }>(`select
      (select count(*) from eval_predictions_r${second}) as n,
      count(*) as rows,
      count(*) filter (where a.prediction is distinct from b.active_prediction) as differ
    from eval_predictions_r${first} a join eval_predictions_r${second} b using (batch_id, source_row)`);
  return { n: Number(r.n), rows: Number(r.rows), differ: Number(r.differ) };
}

/**
 * Both runs' eval_predictions are stored in key order, and the second run's active-model predictions are the ones the
 * first run stored for the same rows (over more than 500 rows).
 */
async function expectKeyOrderAndOwnPredictions(db: PipelineDb, first: number, second: number): Promise<void> {
  for (const run of [first, second]) expect(await outOfKeyOrder(db, run), `run ${run}`).to.equal(0);
  const a = await activeAgainstOwn(db, first, second);
  expect(a.rows).to.be.greaterThan(500);
  expect(a).to.deep.equal({ n: a.rows, rows: a.rows, differ: 0 });
}

describe('model evaluation: stored predictions in key order without a sort', function () {
  this.timeout(240_000);
  let dir: string;
  let file: string;

  before(async () => {
    dir = tmpDir('mlp-eval-order-');
    file = path.join(dir, 'history.csv');
    await generateFile(file, { rows: 6000, seed: 3, facilities: 40, startDate: '2024-01-01' });
  });
  after(() => removeDir(dir));

  async function ingested(name: string, config: Config): Promise<PipelineDb> {
    const db = await openDatabase(path.join(dir, name), { threads: config.duckdb.threads, memoryLimit: config.duckdb.memory_limit });
    await ingestFile(db, config, file);
    return db;
  }

  for (const method of ['random', 'time'] as const) {
    it(`raw_data in key order (${method} split): a view over the intervals table, then a copy paired by position, no sort or join; the active model's predictions are its own run's`, async () => {
      // No refit after a time split: the active model is then the first run's own, evaluated on the same test rows.
      const config = method === 'random' ? defaultConfig() : configWith((raw) => Object.assign(raw.steps.train_test_split, { method: 'time' }) && Object.assign(raw.steps.model_training, { refit: 'never' }));
      const db = await ingested(`ordered-${method}.duckdb`, config);
      try {
        const first = await train(db, config);
        expect(first.files).to.include('eval_predictions_view').and.not.include('eval_predictions');
        expect(first.sqlOf('eval_predictions_view')[0]).to.not.match(/order by|join/i);
        // one pass: the metrics, the key order checked on the intervals table's rows (each against the previous)
        expect(first.sqlOf('eval_metrics')).to.have.length(1);
        expect(first.sqlOf('eval_metrics')[0]).to.match(/lag\(t\.batch_id\) over \(\) as previous_batch_id/).and.match(/as out_of_order/).and.not.match(/positional join/);
        expect(await kindOf(db, `eval_predictions_r${first.runId}`)).to.equal('VIEW');
        const second = await train(db, config);
        expect(second.files).to.include.members(['active_predictions', 'eval_predictions_aligned']);
        expect(second.sqlOf('eval_metrics')).to.have.length(1);
        expect(second.sqlOf('eval_metrics')[0]).to.match(/positional join temp\.eval_active a/).and.match(/as mismatched/);
        expect(second.files).to.not.include('eval_predictions_with_active').and.not.include('eval_predictions_view');
        expect(second.sqlOf('eval_predictions_aligned')[0]).to.match(/positional join temp\.eval_active a/).and.not.match(/order by/i);
        expect(await kindOf(db, `eval_predictions_r${second.runId}`)).to.equal('BASE TABLE');
        await expectKeyOrderAndOwnPredictions(db, first.runId, second.runId);
      } finally {
        await db.close();
      }
    });
  }

  it('raw_data out of key order: the evaluation sorts, and joins the active model by key; still key order, the same predictions', async () => {
    const config = defaultConfig();
    const db = await ingested('reversed.duckdb', config);
    try {
      // The same rows stored in reverse key order.
      await db.exec('create temp table reversed as select * from raw_data order by batch_id desc, source_row desc');
      await db.exec('delete from raw_data');
      await db.exec('insert into raw_data select * from reversed');
      await db.exec('drop table reversed');
      const first = await train(db, config);
      expect(first.sqlOf('eval_predictions')[0]).to.match(/order by batch_id, source_row/);
      expect(first.files).to.not.include('eval_predictions_view');
      // the checked pass, then the metrics summed again over the sorted table
      expect(first.sqlOf('eval_metrics')).to.have.length(2);
      expect(first.sqlOf('eval_metrics')[1]).to.match(/from "eval_predictions_r\d+"/).and.not.match(/out_of_order/);
      expect(await kindOf(db, `eval_predictions_r${first.runId}`)).to.equal('BASE TABLE');
      const second = await train(db, config);
      expect(second.files).to.include('eval_predictions_with_active');
      expect(second.files).to.not.include('eval_predictions_view').and.not.include('eval_predictions_aligned');
      expect(await kindOf(db, `eval_predictions_r${second.runId}`)).to.equal('BASE TABLE');
      await expectKeyOrderAndOwnPredictions(db, first.runId, second.runId);
    } finally {
      await db.close();
    }
  });

  it('the interval calibration is the same with the residuals below the lower bound left out, and without the bound (every partition k-th smallest)', async () => {
    for (const group of [undefined, 'sector']) {
      const config = configWith((raw) => Object.assign(raw.steps.model_prediction, { conformal_group: group, conformal_min_group_size: 100 }));
      const db = await ingested(`bound-${group ?? 'none'}.duckdb`, config);
      try {
        const { runId } = await train(db, config);
        const ctx: RunContext = { db, config, stage: 'DEV', runId, pipelineType: 'TRAINING_PIPELINE' };
        const fit = await loadFitParams(ctx, runId);
        const [{ model_version: version }] = await db.query<{ model_version: number }>('select model_version from models where run_id = $1', [runId]);
        const model = await loadModel(db, version);
        const calibrate = async (m?: { residualVariance: number; dofResidual: number }) => {
          const rec = recordStatements();
          try {
            const e = await intervalEvaluation(ctx, runTables.test(runId), runTables.evalIntervals(runId), fit, m);
            const q = rec.statements.find((st) => st.file?.endsWith('residual_quantiles.sql'));
            return { e, boundUsed: q !== undefined && q.params.some((v) => typeof v === 'number' && v > 0 && !String(v).includes('[')) };
          } finally {
            rec.stop();
          }
        };
        // The model's own bound (used: most residuals left out), one above every residual (every partition has k or
        // more below it: not used), and none.
        const own = await calibrate(model);
        const tooHigh = await calibrate({ residualVariance: model.residualVariance * 1e6, dofResidual: model.dofResidual });
        const none = await calibrate();
        expect(own.boundUsed, `bound used (group ${group})`).to.equal(true);
        expect(tooHigh.boundUsed).to.equal(false);
        expect(none.boundUsed).to.equal(false);
        expect(own.e.conformal_quantile).to.be.a('number');
        if (group) expect(Object.keys(own.e.conformal_group_quantiles ?? {})).to.have.length.greaterThan(1);
        expect(own.e).to.deep.equal(none.e);
        expect(tooHigh.e).to.deep.equal(none.e);
        // …and what the run stored is that calibration.
        const [stored] = await db.query<{ conformal_quantile: number; conformal_coverage: number }>('select conformal_quantile, conformal_coverage from model_evaluation_metadata where run_id = $1', [runId]);
        expect(stored).to.deep.equal({ conformal_quantile: none.e.conformal_quantile, conformal_coverage: none.e.conformal_coverage });
      } finally {
        await db.close();
      }
    }
  });
});
