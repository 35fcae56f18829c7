import type { Config } from '../config/load.ts';
import type { PipelineDb } from '../db/database.ts';
import { logger } from '../logger.ts';
import { runTables } from '../runs/run-log.ts';
import { dropProcessed } from '../steps/data-processing.ts';

/**
 * Drops the bulky per-run tables (processed rows, split views, prediction tables) of runs older than
 * the newest `retention.keep_runs`, except the active models' own runs, and the reference samples of
 * old runs that made no model. Models' reference samples and
 * evaluation predictions are kept: drift detection needs them if a model is rolled back to.
 */
export async function applyRetention(db: PipelineDb, config: Config): Promise<void> {
  const keep = config.retention.keep_runs;
  const k = db.kysely;
  const newest = k.selectFrom('pipeline_runs').select('run_id').orderBy('run_id', 'desc').limit(keep);
  const activeRuns = k.selectFrom('active_model as a').innerJoin('models as m', 'm.model_version', 'a.model_version').select('m.run_id');
  const old = await k.selectFrom('pipeline_runs').select('run_id').where('run_id', 'not in', newest).where('run_id', 'not in', activeRuns).orderBy('run_id').execute();
  const withModel = new Set((await k.selectFrom('models').select('run_id').execute()).map((r) => r.run_id));
  for (const { run_id: id } of old) {
    // A run that produced no model (failed before training) has no use for its reference sample.
    // Each name is dropped as what it is (a view or a table), if it is there.
    const names = [
      ...(withModel.has(id) ? [] : [runTables.reference(id)]),
      runTables.train(id),
      runTables.test(id),
      runTables.processed(id),
      runTables.designSums(id),
      runTables.predictions(id),
      runTables.processedAfterRetrain(id),
      runTables.predictionsAfterRetrain(id),
    ];
    for (const name of names) await dropProcessed(db, name);
  }
  if (old.length) logger.debug(`retention: dropped per-run tables of ${old.length} old runs`);
}
