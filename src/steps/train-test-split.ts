import { runSqlFile } from '../db/sql-runner.ts';
import { quoteIdent, quoteLiteral } from '../db/sql-text.ts';
import { InputError } from '../errors.ts';
import { runTables, type RunContext, type StepReport } from '../pipelines/run-log.ts';
import { keyColumns } from './features.ts';

const STEP = 'train_test_split';
const HASH_BUCKETS = 1_000_000;

export interface SplitResult extends StepReport {
  trainView: string;
  testView: string;
  nTrain: number;
  nTest: number;
}

/**
 * train_test_split: deterministic. `random` puts a row in the test set when the seeded hash of its key
 * falls in the first test_fraction of the buckets; `time` makes the most recent test_fraction the test set.
 * View definitions cannot hold parameters, so the seed, bucket bound and cutoff are written into them as
 * literals: numbers from validated config and a cutoff read from the data by the query above, quoted.
 */
export async function trainTestSplit(ctx: RunContext, processedTable: string): Promise<SplitResult> {
  const { db, config, runId } = ctx;
  const cfg = config.steps.train_test_split;
  const contract = config.contract;
  const ts = quoteIdent(contract.timestamp.name);
  const table = quoteIdent(processedTable);
  let isTest: string;
  let cutoff: string | null = null;
  if (cfg.method === 'random') {
    const seed = Math.trunc(cfg.seed);
    const bound = Math.round(cfg.test_fraction * HASH_BUCKETS);
    isTest = `(hash(${seed}::bigint, ${keyColumns(contract).join(', ')}) % ${HASH_BUCKETS}) < ${bound}`;
  } else {
    [{ cutoff }] = await runSqlFile<{ cutoff: string | null }>(db, STEP, 'time_cutoff', { fragments: { timestamp: ts, processed_table: table }, params: { test_fraction: cfg.test_fraction } });
    if (cutoff === null) throw new InputError('no rows to split');
    const cast = contract.timeKind === 'integer' ? 'bigint' : contract.timeKind;
    isTest = `${ts} > ${quoteLiteral(cutoff)}::${cast}`;
  }
  const trainView = runTables.train(runId);
  const testView = runTables.test(runId);
  await runSqlFile(db, STEP, 'split_views', { fragments: { view: quoteIdent(trainView), processed_table: table, predicate: `not (${isTest})` } });
  await runSqlFile(db, STEP, 'split_views', { fragments: { view: quoteIdent(testView), processed_table: table, predicate: isTest } });
  const [s] = await runSqlFile<{ n_train: number; n_test: number; train_min_time: string; train_max_time: string; test_min_time: string; test_max_time: string }>(
    db, STEP, 'split_summary', { fragments: { is_test: isTest, timestamp: ts, processed_table: table } },
  );
  if (s.n_train === 0 || s.n_test === 0) {
    throw new InputError(`the split left ${s.n_train} training and ${s.n_test} test rows; both must be non-empty (steps.train_test_split)`);
  }
  await runSqlFile(db, STEP, 'insert_metadata', {
    params: {
      run_id: runId,
      method: cfg.method,
      seed: cfg.method === 'random' ? cfg.seed : null,
      test_fraction: cfg.test_fraction,
      time_cutoff: cutoff,
      ...s,
      train_view: trainView,
      test_view: testView,
      now: new Date().toISOString(),
    },
  });
  return { trainView, testView, nTrain: s.n_train, nTest: s.n_test, rowsIn: s.n_train + s.n_test, rowsOut: s.n_train + s.n_test, message: `${s.n_train} train / ${s.n_test} test (${cfg.method})` };
}
