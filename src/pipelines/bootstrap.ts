import path from 'node:path';
import type { Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import type { PipelineDb } from '../db/database.ts';
import { ensureDataTables } from '../db/data-tables.ts';
import { sql } from 'kysely';
import { runSqlFile } from '../db/sql-runner.ts';
import { InputError } from '../errors.ts';
import { generate } from '../generate/generate.ts';
import { ingestFile } from '../ingest/ingest.ts';
import { logger } from '../logger.ts';
import { PROJECT_ROOT } from '../config/load.ts';

/**
 * Makes sure there is labelled data to train on. DEV on an empty database generates and ingests the
 * configured synthetic dataset (seeded, logged as such); UAT and PROD never invent data.
 */
export async function ensureLabelledData(db: PipelineDb, config: Config, stage: Stage): Promise<void> {
  await ensureDataTables(db, config.contract);
  const [{ n }] = await runSqlFile<{ n: number }>(db, 'bootstrap', 'labelled_count', { slots: { target: sql.id(config.contract.target.name) } });
  if (n > 0) return;
  // rows that carry a label but were all quarantined: the data or the contract needs fixing (no synthetic data stands in for them)
  const target = config.contract.target.name;
  const [q] = await runSqlFile<{ n: number; batches: number[] }>(db, 'bootstrap', 'quarantined_labels', { params: { target } });
  if (q.n > 0) {
    throw new InputError(`the ${stage} database has no accepted labelled rows to train on: the ${q.n} rows with a ${target} value are all in quarantine (batch ${q.batches.join(', ')})`, [
      `why: pipeline sql "select source_row, reasons from quarantine where batch_id = ${q.batches[q.batches.length - 1]} order by source_row limit 20" --stage ${stage}`,
      'fix the file or the contract in config (formats, levels, ranges) and ingest the file again',
    ]);
  }
  const syn = config.synthetic;
  if (stage !== 'DEV' || !syn || !syn.enabled) {
    throw new InputError(`the ${stage} database has no labelled rows to train on: ingest data first (pipeline ingest FILE --stage ${stage})${stage === 'DEV' ? ' or enable synthetic data in config' : ''}`);
  }
  const dir = db.path === ':memory:' ? path.join(PROJECT_ROOT, 'data') : path.dirname(path.resolve(db.path));
  const file = path.join(dir, `synthetic_${config.contract.name}_${syn.scenario}_seed${syn.seed}_${syn.rows}.csv`);
  logger.info(`DEV has no labelled data: generating the default synthetic dataset (${syn.rows} rows, scenario ${syn.scenario}, seed ${syn.seed}) and ingesting it`);
  await generate(config, { rows: syn.rows, seed: syn.seed, scenario: syn.scenario, startDate: syn.start_date, out: file });
  await ingestFile(db, config, file, { origin: 'synthetic', force: true });
}
