import type { Config } from '../config/load.ts';
import type { PipelineDb } from '../db/database.ts';
import { quoteIdent } from '../db/sql-text.ts';
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
  const old = await db.query<{ run_id: number }>(
    `select run_id from pipeline_runs
     where run_id not in (select run_id from pipeline_runs order by run_id desc limit $1)
       and run_id not in (select m.run_id from active_model a join models m using (model_version))`,
    [keep],
  );
  const withModel = new Set((await db.query<{ run_id: number }>('select run_id from models')).map((r) => r.run_id));
  for (const { run_id: id } of old) {
    // A run that produced no model (failed before training) has no use for its reference sample.
    if (!withModel.has(id)) await db.exec(`drop table if exists ${quoteIdent(runTables.reference(id))}`);
    await db.exec(`drop view if exists ${quoteIdent(runTables.train(id))}`);
    await db.exec(`drop view if exists ${quoteIdent(runTables.test(id))}`);
    await dropProcessed(db, runTables.processed(id));
    await db.exec(`drop table if exists ${quoteIdent(runTables.designSums(id))}`);
    await db.exec(`drop table if exists ${quoteIdent(runTables.predictions(id))}`);
    await db.exec(`drop table if exists ${quoteIdent(runTables.processedAfterRetrain(id))}`);
    await db.exec(`drop table if exists ${quoteIdent(runTables.predictionsAfterRetrain(id))}`);
  }
  if (old.length) logger.debug(`retention: dropped per-run tables of ${old.length} old runs`);
}
