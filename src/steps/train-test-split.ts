import { sql } from 'kysely';
import type { Contract } from '../config/contract.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { InputError } from '../errors.ts';
import { runTables, type RunContext, type StepReport } from '../runs/run-log.ts';
import { keyColumns } from '../sql/features.ts';
import type { SqlFragment } from '../sql/render.ts';

const STEP = 'train_test_split';
const HASH_BUCKETS = 1_000_000;

export interface SplitResult extends StepReport {
  trainView: string;
  testView: string;
  nTrain: number;
  nTest: number;
}

/**
 * Which input rows are test rows, decided before anything is fitted so processing can fit on the training
 * rows only. `isTest` is an SQL predicate over the row key and timestamp (raw and processed rows have both).
 * `none`: no test rows (a refit on every labelled row of the window).
 */
export interface SplitRule {
  method: 'random' | 'time' | 'none';
  isTest: SqlFragment;
  seed: number | null;
  cutoff: string | null;
}

/**
 * The split rule of a training run: `random` puts a row in the test set when the seeded hash of its key
 * falls in the first test_fraction of the buckets; `time` makes the most recent test_fraction the test set.
 * The predicate is also written into view definitions, which cannot hold parameters, so the seed, bucket
 * bound and cutoff are literals: numbers from validated config and a cutoff read from the data, quoted.
 */
export async function splitRule(ctx: RunContext, inputRows: SqlFragment, method: 'config' | 'none' = 'config'): Promise<SplitRule> {
  const { db, config } = ctx;
  const cfg = config.steps.train_test_split;
  const contract = config.contract;
  if (method === 'none') return { method: 'none', isTest: sql`false`, seed: null, cutoff: null };
  if (cfg.method === 'random') return { method: 'random', isTest: testPredicate(contract, { method: 'random', seed: cfg.seed, testFraction: cfg.test_fraction, cutoff: null }), seed: cfg.seed, cutoff: null };
  const ts = sql.id(contract.timestamp.name);
  const [{ cutoff }] = await runSqlFile<{ cutoff: string | null }>(db, STEP, 'time_cutoff', { slots: { timestamp: ts, input_rows: inputRows }, params: { test_fraction: cfg.test_fraction } });
  if (cutoff === null) throw new InputError('no rows to split');
  return { method: 'time', isTest: testPredicate(contract, { method: 'time', seed: null, testFraction: cfg.test_fraction, cutoff }), seed: null, cutoff };
}

/** A split's predicate over the row key and timestamp, from its method, seed, test fraction and cutoff (as splitRule and train_test_split_metadata hold them). */
export function testPredicate(contract: Contract, s: { method: string; seed: number | null; testFraction: number; cutoff: string | null }): SqlFragment {
  if (s.method === 'random') {
    const seed = Math.trunc(s.seed as number);
    const bound = Math.round(s.testFraction * HASH_BUCKETS);
    return sql`((hash(${sql.lit(seed)}::bigint, ${keyColumns(contract)}) % ${sql.lit(HASH_BUCKETS)}) < ${sql.lit(bound)})`;
  }
  if (s.method === 'time' && s.cutoff !== null) {
    const cast = sql.raw(contract.timeKind === 'integer' ? 'bigint' : contract.timeKind);
    return sql`(${sql.id(contract.timestamp.name)} > ${sql.lit(s.cutoff)}::${cast})`;
  }
  return sql`false`;
}

/**
 * train_test_split: train and test views over the processed table, by the split rule processing already
 * applied (its is_test column), so the rows processing fitted on are exactly the training rows.
 */
export async function trainTestSplit(ctx: RunContext, processedTable: string, rule: SplitRule): Promise<SplitResult> {
  const { db, config, runId } = ctx;
  const cfg = config.steps.train_test_split;
  const table = sql.id(processedTable);
  const trainView = runTables.train(runId);
  const testView = runTables.test(runId);
  await runSqlFile(db, STEP, 'split_views', { slots: { view: sql.id(trainView), processed_table: table, predicate: sql`not is_test` } });
  await runSqlFile(db, STEP, 'split_views', { slots: { view: sql.id(testView), processed_table: table, predicate: sql`is_test` } });
  const [s] = await runSqlFile<{ n_train: number; n_test: number; train_min_time: string; train_max_time: string; test_min_time: string; test_max_time: string }>(
    db, STEP, 'split_summary_from_sums', { slots: { sums_table: sql.id(runTables.designSums(runId)) } },
  );
  if (s.n_train === 0 || (s.n_test === 0 && rule.method !== 'none')) {
    throw new InputError(`the split left ${s.n_train} training and ${s.n_test} test rows; both must be non-empty (steps.train_test_split)`);
  }
  await runSqlFile(db, STEP, 'insert_metadata', {
    params: {
      run_id: runId,
      method: rule.method,
      seed: rule.seed,
      test_fraction: rule.method === 'none' ? 0 : cfg.test_fraction,
      time_cutoff: rule.cutoff,
      ...s,
      train_view: trainView,
      test_view: testView,
      now: new Date().toISOString(),
    },
  });
  return { trainView, testView, nTrain: s.n_train, nTest: s.n_test, rowsIn: s.n_train + s.n_test, rowsOut: s.n_train + s.n_test, message: `${s.n_train} train / ${s.n_test} test (${rule.method})` };
}
