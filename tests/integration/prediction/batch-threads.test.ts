/**
 * A batch's processing statistics (feature_moments, one statement per range of cells) are split over the cells the
 * batch's rows lie in, not over all of raw_data's: each thread reads a share of the batch. The numbers a prediction
 * stores stay the same at any number of threads, bit for bit.
 *
 * Data: 6 000 training rows, an unscored batch of 120 000 rows, then the scored batch of 130 000 rows: raw_data spans
 * cells 0–2 (blocks of 122 880 rowids) and the scored batch cells 1–2, so at 2 threads each statement reads one of them.
 */
import { expect } from 'chai';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../src/db/database.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runPredictionPipeline } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import { recordStatements } from '../../../src/sql/recorder.ts';
import { configWith, generateFile, useTmpDir } from '../../support/helpers.ts';

describe("prediction: a batch's statistics over its own cells, the same at any number of threads", function () {
  this.timeout(600_000);
  const tmp = useTmpDir('mlp-batch-threads-');
  const config = configWith((raw) => {
    raw.steps.data_drift_detection.retrain_on_drift = false;
    raw.steps.model_drift_detection.retrain_on_drift = false;
  });
  let base: string;
  let copies = 0;

  before(async () => {
    const train = path.join(tmp(), 'train.csv');
    const other = path.join(tmp(), 'other.csv');
    const batch = path.join(tmp(), 'batch.csv');
    await generateFile(train, { rows: 6000, seed: 3, facilities: 60, startDate: '2024-01-01' });
    await generateFile(other, { rows: 120_000, seed: 5, facilities: 600, startDate: '2024-04-10', withTarget: false });
    await generateFile(batch, { rows: 130_000, seed: 6, facilities: 650, startDate: '2024-09-01' });
    base = path.join(tmp(), 'base.duckdb');
    const db = await openDatabase(base, { threads: 2 });
    try {
      await ingestFile(db, config, train);
      await runTrainingPipeline(db, config, 'DEV');
      await ingestFile(db, config, other);
      await ingestFile(db, config, batch);
    } finally {
      await db.close();
    }
  });

  /** Scores the newest batch in a copy at `threads`: what it stored, and the cell ranges feature_moments read. */
  async function scoreCopy(threads: number): Promise<{ stored: string; ranges: [number, number][]; batchCells: [number, number] }> {
    const copy = path.join(tmp(), `copy-${++copies}.duckdb`);
    copyFileSync(base, copy);
    const db = await openDatabase(copy, { threads, deterministic: true });
    const rec = recordStatements();
    try {
      const out = await runPredictionPipeline(db, config, 'DEV');
      const text = async (q: string) => JSON.stringify(await db.query(q, [out.runId]), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      const stored = [
        await text('select feature_stats::varchar as f, replay_counts::varchar as r, row_count from data_processing_metadata where run_id = $1'),
        await text('select * exclude (run_id) from data_drift_results where run_id = $1 order by feature'),
        await text('select * exclude (run_id) from model_drift_results where run_id = $1 order by test'),
        await text('select * exclude (run_id, created_at) from batch_evaluations where run_id = $1 order by role'),
      ].join('\n');
      const ranges = rec.statements
        .filter((s) => s.file === 'sql/data_processing/feature_moments.sql' && s.step === 'data_processing')
        .map((s): [number, number] => {
          const m = /__row_group >= \$(\d+) and __row_group < \$(\d+)/.exec(s.sql);
          if (!m) throw new Error('feature_moments.sql without its cell range');
          return [Number(s.params[Number(m[1]) - 1]), Number(s.params[Number(m[2]) - 1])];
        });
      const [span] = await db.query<{ first: number; last: number }>('select min(rowid) // 122880 as first, max(rowid) // 122880 as last from raw_data where batch_id = $1', [out.batchId]);
      return { stored, ranges, batchCells: [Number(span.first), Number(span.last) + 1] };
    } finally {
      rec.stop();
      await db.close();
    }
  }

  it('splits feature_moments over the batch’s cells only, and stores the same numbers at 1, 2 and 3 threads', async () => {
    const runs: { threads: number; r: Awaited<ReturnType<typeof scoreCopy>> }[] = [];
    for (const threads of [1, 2, 3]) runs.push({ threads, r: await scoreCopy(threads) });
    for (const { threads, r } of runs) {
      expect(r.batchCells, 'the scored batch lies in cells 1 and 2').to.deep.equal([1, 3]);
      // one statement per thread, up to the batch's two cells, covering exactly them in order
      expect(r.ranges, `ranges at ${threads} threads`).to.have.length(Math.min(threads, 2));
      expect(r.ranges[0][0]).to.equal(1);
      expect(r.ranges[r.ranges.length - 1][1]).to.equal(3);
      for (let i = 1; i < r.ranges.length; i++) expect(r.ranges[i][0]).to.equal(r.ranges[i - 1][1]);
    }
    for (const { threads, r } of runs.slice(1)) expect(r.stored, `stored at ${threads} threads vs 1`).to.equal(runs[0].r.stored);
  });
});
