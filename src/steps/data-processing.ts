import { MISSING_LEVEL, type Contract } from '../config/contract.ts';
import { sql } from 'kysely';
import { appendSqlFileInParts, runSqlFile, runSqlFileInParts, sqlFileFragment, type CellRange } from '../db/sql-runner.ts';
import { InputError } from '../errors.ts';
import { runTables, type RunContext, type StepReport } from '../runs/run-log.ts';
import { featureSet, identList, keyColumns, numericFeatureSelect, rawFeatureSelect, type FeatureSet } from '../sql/features.ts';
import type { SqlFragment } from '../sql/render.ts';
import { designColumns, type DroppedFeature, type FitParams } from './fit-params.ts';
import { modelReadySql } from '../sql/model-ready.ts';
import { splitRule, type SplitRule } from './train-test-split.ts';
import { cellRanges, combineMoments, coveringRanges, ROW_GROUP_ROWS, type Moments } from './cell-moments.ts';
import { centredSumsSql, combinedSumsSql, foldCalendarSql, foldedSumsSql, foldSumsSql, missingSql, nullMasks, shiftedFeaturesSql, sumsSql, type FoldedFeature } from './design-stats.ts';
import type { PipelineDb } from '../db/database.ts';

const STEP = 'data_processing';

/** Which rows to process: all labelled history (training) or one batch (prediction). */
export type ProcessingInput = { kind: 'labelled'; window?: { from?: string | number; to?: string | number } } | { kind: 'batch'; batchId: number };

export interface DataProcessingResult extends StepReport {
  processedTable: string;
  fit: FitParams;
  features: FeatureSet;
  referenceTable?: string;
  replayCounts?: ReplayCounts;
  /** Training: the split rule decided before fitting (processing fits on its training rows only). */
  split?: SplitRule;
  /** Training: the input rows' count and the sum of the hashes of their contents, from the one pass (see trainingInputsOf). */
  inputContent?: InputContent;
}

/** The labelled input rows of a training: how many, and the sum of the hashes of their contents (every contract column), as text. */
export interface InputContent {
  n: number;
  h: string;
}

export interface ReplayCounts {
  row_count: number;
  rows_with_unseen_levels: number;
  unseen_values: number;
  rows_out_of_range: number;
  out_of_range_values: number;
  rows_imputed: number;
  imputed_values: number;
}

interface FeatureStat {
  feature: string;
  n: number;
  nulls: number;
  mean: number | null;
  std: number;
  min: number | null;
  max: number | null;
  median: number | null;
  quantiles: number[] | null;
  clip_lo: number | null;
  clip_hi: number | null;
}

/** Options of the input rows: a pinned batch and literal values (a view), the row group of each row (the cells). */
export interface InputRowsOptions {
  /** Pinned (a view over these rows): the batches up to it, each row in the version that was the latest then. */
  pinBatch?: number;
  /** SQL for the cell of raw_data a row sits in (a block of rowids), added as __row_group. */
  rowGroups?: SqlFragment;
  /** Only the rows of raw_data with from ≤ rowid < to (a filter DuckDB applies in the scan: the other row groups are not read). */
  rowids?: { from: number; to: number };
  /**
   * Adds each row's rowid as __rowid: a statement over a range of cells filters on it (`__rowid >= $first_cell *
   * $row_group_rows …`), a range DuckDB applies in the scan, where a filter on __row_group is evaluated on every row.
   */
  rowid?: boolean;
}

/**
 * The input rows as a subquery: labelled history (the latest labelled version of each row) or one batch. Pinned,
 * its values are literals, for a view's definition.
 */
export function inputRowsSql(contract: Contract, input: ProcessingInput, opts: InputRowsOptions = {}): SqlFragment {
  const cell = sql`${opts.rowGroups === undefined ? sql`` : sql`, ${opts.rowGroups} as __row_group`}${opts.rowid ? sql`, rowid as __rowid` : sql``}`;
  // literals, not parameters: DuckDB turns a rowid range of literals into the scan's range
  const range = opts.rowids === undefined ? sql`` : sql` and rowid >= ${sql.lit(Math.trunc(opts.rowids.from))} and rowid < ${sql.lit(Math.trunc(opts.rowids.to))}`;
  if (input.kind === 'batch') return sql`select *${cell} from raw_data where batch_id = ${input.batchId}${range}`;
  const pinned = opts.pinBatch !== undefined;
  const value = (x: string) => (pinned ? sql.lit(x) : sql`${x}`);
  const ts = sql.id(contract.timestamp.name);
  const cast = sql.raw(contract.timeKind === 'integer' ? 'bigint' : contract.timeKind);
  const window: SqlFragment[] = [];
  if (input.window?.from !== undefined) window.push(sql` and ${ts} >= ${value(String(input.window.from))}::${cast}`);
  if (input.window?.to !== undefined) window.push(sql` and ${ts} <= ${value(String(input.window.to))}::${cast}`);
  // Older versions of a row are marked superseded at ingestion, so the latest labelled version is a plain filter.
  const latest = pinned
    ? sql`batch_id <= ${sql.lit(Math.trunc(opts.pinBatch as number))} and (superseded_by is null or superseded_by > ${sql.lit(Math.trunc(opts.pinBatch as number))})`
    : sql`superseded_by is null`;
  return sql`select *${cell} from raw_data where ${sql.id(contract.target.name)} is not null and ${latest}${sql.join(window, sql``)}${range}`;
}

/**
 * The per-cell statements run on connections of their own, which see committed rows only: they must have read the
 * rows this run's transaction sees (its step wrote nothing to raw_data before them), or the statistics are not of the
 * run's input.
 */
function sameRows(file: string, read: number, expected: number): void {
  if (read !== expected) throw new Error(`sql/${STEP}/${file}.sql read ${read} input rows where the run's input has ${expected}: raw_data was changed in the step's transaction before its per-cell statements ran`);
}

/** Drops a per-run processed relation, a view (training) or a table (a batch), if it exists. */
export async function dropProcessed(db: PipelineDb, name: string): Promise<void> {
  const [kind] = await runSqlFile<{ table_type: string }>(db, STEP, 'relation_kind', { params: { name } });
  if (!kind) return;
  await runSqlFile(db, STEP, kind.table_type === 'VIEW' ? 'drop_view' : 'drop_table', { slots: { table: sql.id(name) } });
}

/** Which rows a processing reads, as a short fingerprint (row count and an order-independent hash of their ids). */
export async function inputFingerprint(ctx: RunContext, input: ProcessingInput): Promise<string> {
  const rows = inputRowsSql(ctx.config.contract, input);
  const [f] = await runSqlFile<{ n: number; h: string }>(ctx.db, STEP, 'input_fingerprint', { slots: { input_rows: rows } });
  return `${f.n}:${f.h}`;
}

/** Rows the quantiles are computed on (a seeded hash sample of the input); moments use every row. */
export const QUANTILE_SAMPLE_SIZE = 100_000;

/** How many input rows have a level of a categorical (level null: missing). */
interface LevelCount {
  feature: string;
  level: string | null;
  n: number;
}

/**
 * Per-feature statistics of the rows of a replay (a batch; a training takes them from its one pass, foldFeatureStats):
 * exact moments, min and max over every row (per block of rowids, combined in block order;
 * on one thread with duckdb.deterministic, so bit-identical run to run), each categorical's level counts in the same pass, and
 * quantiles over a hash sample. Clipping bounds at quantile 0 or 1 are the exact min or max; others come from the
 * sample.
 */
async function computeFeatureStats(ctx: RunContext, features: FeatureSet, inputRows: SqlFragment, withQuantiles: boolean, cells: readonly CellRange[]): Promise<{ stats: FeatureStat[]; levelCounts: LevelCount[]; targetMean: number | null; rowsRead: number }> {
  const { db, config } = ctx;
  const target = sql.id(config.contract.target.name);
  const aggregates = [
    sql`count(*) as rows_total`,
    // the target's mean: the training sums are taken around it, so a target far from zero keeps its digits
    sql`count(${target}) as target_n`,
    sql`avg(${target}) as target_mean`,
    sql`coalesce(var_pop(${target}), 0) * count(${target}) as target_m2`,
    ...features.numerics.flatMap((f, i) => [
      sql`count(${f.raw}) as ${sql.id(`n_${i}`)}`,
      sql`avg(${f.raw}) as ${sql.id(`mean_${i}`)}`,
      sql`coalesce(var_pop(${f.raw}), 0) * count(${f.raw}) as ${sql.id(`m2_${i}`)}`,
      sql`min(${f.raw}) as ${sql.id(`min_${i}`)}`,
      sql`max(${f.raw}) as ${sql.id(`max_${i}`)}`,
    ]),
    // each categorical's level counts (a histogram per cell, as JSON) and its missing values
    ...features.categoricals.flatMap((c, i) => [
      sql`to_json(histogram(${sql.id(c.name)}))::varchar as ${sql.id(`levels_${i}`)}`,
      sql`count(*) - count(${sql.id(c.name)}) as ${sql.id(`nulls_${i}`)}`,
    ]),
  ];
  // one statement per range of cells, each on one thread, the ranges at once; the cells come back in cell order
  const perCell = await runSqlFileInParts<Record<string, number | string | null>>(db, STEP, 'feature_moments', { slots: { input_rows: inputRows, aggregates: sql.join(aggregates, sql`,\n    `) } }, cells);
  const levelCounts: LevelCount[] = features.categoricals.flatMap((c, i) => {
    const byLevel = new Map<string, number>();
    let nulls = 0;
    for (const cell of perCell) {
      for (const [level, n] of Object.entries(JSON.parse((cell[`levels_${i}`] as string | null) ?? '{}') as Record<string, number>)) byLevel.set(level, (byLevel.get(level) ?? 0) + Number(n));
      nulls += Number(cell[`nulls_${i}`]);
    }
    // ordered as SQL orders them (by level, bytewise; the missing level last)
    const levels = [...byLevel.keys()].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    return [...levels.map((level) => ({ feature: c.name, level, n: byLevel.get(level) as number })), ...(nulls > 0 ? [{ feature: c.name, level: null, n: nulls }] : [])];
  });
  const combined = features.numerics.map((_, i) =>
    combineMoments(perCell.map((c) => ({ n: Number(c[`n_${i}`]), mean: c[`mean_${i}`] as number | null, m2: Number(c[`m2_${i}`]), min: c[`min_${i}`] as number | null, max: c[`max_${i}`] as number | null }))),
  );
  const targetMean = combineMoments(perCell.map((c) => ({ n: Number(c.target_n), mean: c.target_mean as number | null, m2: Number(c.target_m2), min: null, max: null }))).mean;
  const rowsRead = perCell.reduce((t, c) => t + Number(c.rows_total), 0);
  const stats = await completeStats(ctx, features, inputRows, withQuantiles, combined, rowsRead);
  return { stats, levelCounts, targetMean, rowsRead };
}

/**
 * The per-feature statistics from each numeric feature's moments over the `total` input rows: with exact medians for
 * the features imputed with theirs, and (`withQuantiles`) quantiles and clipping bounds over a hash sample. `sample`:
 * the rows the sample is drawn from and the predicate that keeps the rows fitted on (the input rows, every one, by
 * default), tested after the sample's hash, on the sampled rows only.
 */
async function completeStats(ctx: RunContext, features: FeatureSet, inputRows: SqlFragment, withQuantiles: boolean, combined: readonly Moments[], total: number, sample: { rows: SqlFragment; fit: SqlFragment } = { rows: inputRows, fit: sql`true` }): Promise<FeatureStat[]> {
  const { db, config } = ctx;
  const [clipLo, clipHi] = config.steps.data_processing.clip_quantiles;
  // exact, over every row, for the features whose missing values are imputed with it (a median does not depend on row order)
  const medianOf = new Map<number, number | null>();
  const medianIdx = features.numerics.flatMap((f, i) => (f.impute === 'median' ? [i] : []));
  if (medianIdx.length) {
    const [md] = await runSqlFile<Record<string, number | null>>(db, STEP, 'feature_medians', {
      slots: { input_rows: inputRows, medians: sql.join(medianIdx.map((i) => sql`median(${features.numerics[i].raw}) as ${sql.id(`median_${i}`)}`), sql`,\n    `) },
    });
    for (const i of medianIdx) medianOf.set(i, md[`median_${i}`]);
  }
  const m: Record<string, number | null> = {};
  combined.forEach((c, i) => Object.assign(m, { [`n_${i}`]: c.n, [`mean_${i}`]: c.mean, [`std_${i}`]: c.std, [`min_${i}`]: c.min, [`max_${i}`]: c.max, [`median_${i}`]: medianOf.get(i) ?? null }));
  if (!features.numerics.length) return [];
  const keep = total <= QUANTILE_SAMPLE_SIZE ? 1_000_000 : Math.ceil((1_000_000 * QUANTILE_SAMPLE_SIZE) / total);
  // A replay uses the fitted bounds: the batch's quantiles would only describe it (drift compares samples instead).
  const q = !withQuantiles ? [] : await runSqlFile<{ feature: string; quantiles: number[] | null; clip_lo: number | null; clip_hi: number | null }>(db, STEP, 'feature_quantiles', {
    slots: {
      input_rows: sample.rows,
      fit_rows: sample.fit,
      numeric_features: numericFeatureSelect(features.numerics),
      numeric_names: identList(features.numerics.map((f) => f.name)),
    },
    params: { keep_per_million: keep, clip_lo: clipLo, clip_hi: clipHi },
  });
  const byName = new Map(q.map((r) => [r.feature, r]));
  const stats = features.numerics.map((f, i) => {
    const s = byName.get(f.name);
    const n = m[`n_${i}`] as number;
    return {
      feature: f.name,
      n,
      nulls: total - n,
      mean: m[`mean_${i}`],
      std: m[`std_${i}`] as number,
      min: m[`min_${i}`],
      max: m[`max_${i}`],
      median: m[`median_${i}`],
      quantiles: s?.quantiles ?? null,
      clip_lo: clipLo === 0 ? m[`min_${i}`] : (s?.clip_lo ?? m[`min_${i}`]),
      clip_hi: clipHi === 1 ? m[`max_${i}`] : (s?.clip_hi ?? m[`max_${i}`]),
    };
  });
  return stats;
}

/** How many cells, spread over the input, the one pass's shifts are taken from (fold_shifts.sql). */
const SHIFT_CELLS = 8;

/** A training run's one pass (fold_sums_cells.sql): its per-cell rows in a TEMP table, and the shifts they were taken around. */
interface FoldPass {
  cellsTable: string;
  /** Per numeric feature (in FeatureSet order), the value its sums were taken around. */
  shifts: number[];
  /** The value the target's sums were taken around. */
  yShift: number;
}

/**
 * A training run's statistics from one pass over its input rows (both sides of the split), before anything is
 * fitted: every sum taken around a shift known before the pass (a mean of the training rows of cells spread over the input), one
 * statement per range of cells, each on one thread, into a TEMP table in cell order. The training side's moments,
 * min and max (mean = shift + Σu/n, Σ(x − mean)² = Σu² − (Σu)²/n), level counts and target mean follow from it,
 * added up in cell order on one thread; quantiles and medians as in computeFeatureStats. The same table later gives
 * the design sums (design_sums.sql).
 */
async function foldFeatureStats(ctx: RunContext, features: FeatureSet, inputRows: SqlFragment, passRows: SqlFragment, cellRows: (cell: number) => SqlFragment, split: SplitRule, cells: readonly CellRange[], cellCount: number): Promise<{ stats: FeatureStat[]; levelCounts: LevelCount[]; targetMean: number | null; rowsRead: number; rowsAll: number; idsHash: string; inputContent: InputContent; pass: FoldPass }> {
  const { db, config, runId } = ctx;
  const contract = config.contract;
  const target = sql.id(contract.target.name);
  const fitRows = sql`select * from (${inputRows}) where not ${split.isTest}`;
  const names = features.numerics.map((f) => f.name);
  // the shifts: means of the training rows of SHIFT_CELLS cells spread over the input (of every cell where those have none)
  const calendar = foldCalendarSql(features.numerics);
  // on one thread (deterministic), so the same shifts run to run: a DOUBLE sum depends on the order of its terms
  const means = sql.join([...names.map((n, c) => sql`avg(${sql.id(n)}) as ${sql.id(`shift_${c}`)}`), sql`avg(__y) as shift_y`], sql`,\n    `);
  const shiftSlots = { calendar_parts: calendar.parts, numeric_features: names.length ? calendar.select : sql`0 as __no_numeric_features`, target, means };
  const spread = [...new Set(Array.from({ length: Math.min(SHIFT_CELLS, cellCount) }, (_, i) => Math.floor(((2 * i + 1) * cellCount) / (2 * Math.min(SHIFT_CELLS, cellCount)))))];
  // each cell's rows read by a rowid range (a filter on __row_group would read every cell to test it)
  const shiftsOver = async (rows: SqlFragment) => (await runSqlFile<Record<string, number | null>>(db, STEP, 'fold_shifts', { deterministic: true, slots: { ...shiftSlots, rows } }))[0];
  const spreadRows = sql.join((spread.length ? spread : [0]).map((c) => sql`select * from (${cellRows(c)}) where not ${split.isTest}`), sql`\n    union all\n    `);
  let sh = await shiftsOver(spreadRows);
  if (spread.length < cellCount && Object.values(sh).some((v) => v === null)) sh = await shiftsOver(fitRows);
  const shifts = names.map((_, c) => Number(sh[`shift_${c}`] ?? 0));
  const yShift = Number(sh.shift_y ?? 0);
  const groupColumns = sql.join(features.categoricals.map((c) => sql`${sql.id(c.name)},`), sql` `);
  const masks = nullMasks(names.map((n) => sql.id(n)));
  const inputs = {
    slots: {
      input_rows: passRows,
      group_columns: groupColumns,
      is_test: split.isTest,
      target,
      timestamp: sql.id(contract.timestamp.name),
      key_columns: keyColumns(contract),
      input_columns: identList(contract.columns.map((c) => c.name)),
      calendar_parts: calendar.parts,
      calendar_part_columns: calendar.partColumns,
      numeric_features: features.numerics.length ? sql`${calendar.select},` : sql``,
      null_masks: masks.select,
      null_mask_columns: masks.columns,
      shifted_features: shiftedFeaturesSql(names, shifts),
      calendar_bits: calendar.bits,
      sums: foldSumsSql(features.numerics),
      calendar_exclude: calendar.bitNames,
      calendar_bounds: calendar.bounds,
    },
    params: { y_shift: yShift, row_group_rows: ROW_GROUP_ROWS },
  };
  const cellsTable = `${runTables.designSums(runId)}_fold`;
  const empty = sqlFileFragment(STEP, 'fold_sums_cells', { ...inputs, params: { ...inputs.params, first_cell: 0, end_cell: 0 } });
  await runSqlFile(db, STEP, 'design_cells_table', { slots: { cells_table: sql.id(cellsTable), cells: empty } });
  await appendSqlFileInParts(db, STEP, 'fold_sums_cells', inputs, cells, cellsTable);
  const moments = sql.join(
    names.flatMap((_, c) => [
      sql`coalesce(sum(n) filter (where not (${missingSql(c)})), 0)::bigint as ${sql.id(`nn_${c}`)}`,
      sql`coalesce(sum(${sql.id(`su_${c}`)}), 0) as ${sql.id(`su_${c}`)}`,
      sql`coalesce(sum(${sql.id(`suu_${c}_${c}`)}), 0) as ${sql.id(`suu_${c}_${c}`)}`,
      sql`min(${sql.id(`min_${c}`)}) as ${sql.id(`min_${c}`)}`,
      sql`max(${sql.id(`max_${c}`)}) as ${sql.id(`max_${c}`)}`,
    ]),
    sql`,\n    `,
  );
  const [mo] = await runSqlFile<Record<string, number | bigint | null>>(db, STEP, 'fold_moments', { deterministic: true, slots: { cells_table: sql.id(cellsTable), moments: names.length ? moments : sql`0 as no_numeric_features` } });
  const rowsRead = Number(mo.rows_total);
  const combined: Moments[] = names.map((_, c) => {
    const n = Number(mo[`nn_${c}`]);
    const su = Number(mo[`su_${c}`]);
    const m2 = Math.max(0, Number(mo[`suu_${c}_${c}`]) - (su * su) / n);
    return { n, mean: n ? shifts[c] + su / n : null, std: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0, min: mo[`min_${c}`] as number | null, max: mo[`max_${c}`] as number | null };
  });
  const targetMean = rowsRead ? yShift + Number(mo.sum_v) / rowsRead : null;
  const byLevels = await runSqlFile<Record<string, string | number | bigint | boolean | null>>(db, STEP, 'fold_levels', { slots: { cells_table: sql.id(cellsTable), group_columns: groupColumns } });
  const rowsAll = byLevels.reduce((t, r) => t + Number(r.n), 0);
  const inputHash = byLevels.reduce((h, r) => h + BigInt(r.input_hash as string), 0n);
  // as input_fingerprint.sql: the xor over every input row, 0 when there is none
  const idsHash = byLevels.reduce((h, r) => h ^ BigInt(r.ids_hash as string), 0n);
  const levelCounts: LevelCount[] = features.categoricals.flatMap((c) => {
    const byLevel = new Map<string, number>();
    let nulls = 0;
    for (const r of byLevels) {
      if (r.is_test) continue;
      const level = r[c.name] as string | null;
      if (level === null) nulls += Number(r.n);
      else byLevel.set(level, (byLevel.get(level) ?? 0) + Number(r.n));
    }
    // ordered as SQL orders them (by level, bytewise; the missing level last)
    const levels = [...byLevel.keys()].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    return [...levels.map((level) => ({ feature: c.name, level, n: byLevel.get(level) as number })), ...(nulls > 0 ? [{ feature: c.name, level: null, n: nulls }] : [])];
  });
  const stats = await completeStats(ctx, features, fitRows, true, combined, rowsRead, { rows: inputRows, fit: sql`not ${split.isTest}` });
  return { stats, levelCounts, targetMean, rowsRead, rowsAll, idsHash: idsHash.toString(), inputContent: { n: rowsAll, h: inputHash.toString() }, pass: { cellsTable, shifts, yShift } };
}

/**
 * The cells of the one pass where some row is not model-ready as it stands with the fitted parameters: a kept numeric
 * feature missing or out of its bounds, a categorical missing or of a level not fitted (fold_dirty_cells.sql).
 */
function dirtyCellsSql(fit: FitParams, features: FeatureSet): SqlFragment {
  const terms: SqlFragment[] = [];
  for (const n of fit.numerics) {
    const c = features.numerics.findIndex((f) => f.name === n.name);
    terms.push(sql`${missingSql(c)} or ${sql.id(`min_${c}`)} < ${n.lo}::double or ${sql.id(`max_${c}`)} > ${n.hi}::double`);
  }
  for (const c of fit.categoricals) {
    const q = sql.id(c.name);
    terms.push(sql`${q} is null or not list_contains(from_json(${JSON.stringify(c.levels)}, '["VARCHAR"]'), ${q})`);
  }
  return terms.length ? sql.join(terms, sql`\n    or `) : sql`false`;
}

/** The missing-value policy as fitted, in data_processing_metadata.feature_stats. */
interface StoredMissing {
  numeric: Record<string, { impute: string; fill: number }>;
  categorical: Record<string, { policy: string; fill: string | null }>;
}

/** Reads the fitted parameters of a training run's processing, for replay. */
export async function loadFitParams(ctx: RunContext, fittedRunId: number): Promise<FitParams> {
  const rows = await runSqlFile<{ fitted_run_id: number; scaling: string; clip_bounds: string; levels: string; feature_stats: string; numeric_features: string[]; categorical_features: string[] }>(
    ctx.db, STEP, 'fit_params', { params: { run_id: fittedRunId } },
  );
  if (!rows.length) throw new InputError(`no processing metadata for run ${fittedRunId}: cannot replay its processing`);
  const r = rows[0];
  const scaling = JSON.parse(r.scaling) as Record<string, { mean: number; std: number }>;
  const bounds = JSON.parse(r.clip_bounds) as Record<string, [number, number]>;
  const levels = JSON.parse(r.levels) as Record<string, string[]>;
  const stats = JSON.parse(r.feature_stats) as { missing?: StoredMissing; dropped_features?: DroppedFeature[] };
  // Processings recorded before the missing-value policy imputed the training mean in serving.
  return {
    fittedRunId: r.fitted_run_id,
    numerics: r.numeric_features.map((name) => ({ name, mean: scaling[name].mean, std: scaling[name].std, lo: bounds[name][0], hi: bounds[name][1], fill: stats.missing?.numeric[name]?.fill ?? scaling[name].mean })),
    categoricals: r.categorical_features.map((name) => ({ name, levels: levels[name], fill: stats.missing?.categorical[name]?.fill ?? null })),
    dropped: stats.dropped_features ?? [],
  };
}

/** Options of a processing: the processed table's name, and for a fit whether a split is held out first. */
export interface ProcessingOptions {
  /** Default processed_r{run}. A second processing in the same run (after a retrain) gets its own table. */
  table?: string;
  /** Fit only: 'config' holds out the configured test rows before fitting; 'none' fits on every row (a refit). */
  split?: 'config' | 'none';
  /**
   * Replay only: the processed rows as a view over the batch's raw rows, with the replayed parameters written in as
   * literals, instead of a table: nothing is written, and the prediction that reads it computes the transform in its
   * own pass (a prediction run's one write of the batch is its served rows).
   */
  view?: boolean;
}

/**
 * data_processing: cleaning and feature engineering in SQL. In training (`replay` absent) it first decides
 * the train/test split, then fits the imputation values, scaling statistics, clipping bounds, category levels
 * and the drift reference sample on the training rows only; in prediction it replays the parameters of the
 * active model's training run. Writes the processed table (with is_test in training) and its metadata.
 */
export async function dataProcessing(ctx: RunContext, input: ProcessingInput, replay?: FitParams, opts: ProcessingOptions = {}): Promise<DataProcessingResult> {
  const { config, db, runId } = ctx;
  const contract = config.contract;
  const dp = config.steps.data_processing;
  const features: FeatureSet = replay
    ? {
        numerics: featureSet(contract).numerics.filter((f) => replay.numerics.some((n) => n.name === f.name)),
        categoricals: replay.categoricals.map((c) => ({ name: c.name })),
      }
    : featureSet(contract, config.steps.model_training.exclude_features);
  // cells of the two-level sums: blocks of rowids (a row group's worth), the same in every database ingested from the same file
  const rowGroups = sql`rowid // ${sql.lit(ROW_GROUP_ROWS)}`;
  const inputRows = inputRowsSql(contract, input, { rowGroups });
  // A batch's rows are identified by input_fingerprint.sql; a training's are counted here and identified by its one
  // pass (the same xor of the hashes of their ids, with no read of its own).
  let fingerprint = replay ? await inputFingerprint(ctx, input) : undefined;
  const rowCount = fingerprint !== undefined ? Number(fingerprint.split(':')[0]) : Number((await runSqlFile<{ n: number | bigint }>(db, STEP, 'input_count', { slots: { input_rows: inputRowsSql(contract, input) } }))[0].n);
  if (rowCount === 0) {
    throw new InputError(input.kind === 'batch' ? `batch ${input.batchId} has no accepted rows to process` : 'no labelled rows to train on (ingest data with the target column first)');
  }
  // Training: the split is decided first, and everything fitted is fitted on the training rows only.
  const split = replay ? undefined : await splitRule(ctx, inputRows, opts.split ?? 'config');
  const fitRows = split ? sql`select * from (${inputRows}) where not ${split.isTest}` : inputRows;

  // the per-cell aggregates run as one statement per range of cells, one range per thread (src/steps/cell-moments.ts)
  const threads = await db.deterministicParts();
  // a batch: only the cells its rows lie in, so that each thread reads a share of them (the same cells either way);
  // otherwise every cell of raw_data. cellCount: the end of the cells the input's rows lie in.
  let cells: CellRange[];
  let cellCount: number;
  if (input.kind === 'batch') {
    const [span] = await runSqlFile<{ first_cell: number; end_cell: number }>(db, STEP, 'batch_cells', { params: { row_group_rows: ROW_GROUP_ROWS, batch_id: input.batchId } });
    const first = Number(span.first_cell);
    cellCount = Number(span.end_cell);
    cells = cellRanges(cellCount - first, threads).map((r) => ({ first: r.first + first, end: r.end + first }));
  } else {
    const [{ cells: count }] = await runSqlFile<{ cells: number }>(db, STEP, 'cell_count', { params: { row_group_rows: ROW_GROUP_ROWS } });
    cellCount = Number(count);
    cells = cellRanges(cellCount, threads);
  }
  // Training: one pass over both sides of the split gives the statistics to fit, and later most of the design sums.
  const cellRows = (c: number) => inputRowsSql(contract, input, { rowGroups, rowids: { from: c * ROW_GROUP_ROWS, to: (c + 1) * ROW_GROUP_ROWS } });
  // the one pass reads each range of cells by a range of rowids (applied in the scan)
  const passRows = inputRowsSql(contract, input, { rowGroups, rowid: true });
  const folded = split ? await foldFeatureStats(ctx, features, inputRows, passRows, cellRows, split, cells, cellCount) : undefined;
  const { stats, levelCounts, targetMean, rowsRead } = folded ?? (await computeFeatureStats(ctx, features, fitRows, false, cells));
  sameRows(folded ? 'fold_sums_cells' : 'feature_moments', folded ? folded.rowsAll : rowsRead, rowCount);
  if (folded) fingerprint = `${folded.rowsAll}:${folded.idsHash}`;
  const fitCount = stats[0] ? stats[0].n + stats[0].nulls : levelCounts.filter((l) => l.feature === features.categoricals[0]?.name).reduce((s, l) => s + l.n, 0);
  if (split && fitCount === 0) throw new InputError(`the split left no training rows of the ${rowCount} labelled rows (steps.train_test_split)`);

  const statByName = new Map(stats.map((s) => [s.feature, s]));
  let fit: FitParams;
  if (replay) {
    fit = replay;
  } else {
    const dropped: DroppedFeature[] = [];
    const kept = features.numerics.filter((f) => {
      const s = statByName.get(f.name);
      // A constant feature carries nothing the intercept does not, and its bounds [c, c] would flag every
      // new value as out of range: it is left out of the design (and of clipping), and the metadata say so.
      if (!s || s.n === 0) dropped.push({ name: f.name, reason: `no value on the ${fitCount} training rows: left out of the design` });
      else if (s.min === s.max) dropped.push({ name: f.name, reason: `constant on the ${fitCount} training rows (value ${s.min}): left out of the design, not clipped` });
      else return true;
      return false;
    });
    fit = {
      fittedRunId: runId,
      numerics: kept.map((f) => {
        const s = statByName.get(f.name) as FeatureStat;
        const mean = s.mean as number;
        // Centred in both modes (sums of squares of values near 1e12 would lose every digit otherwise); scaled only with 'standard'.
        const std = dp.scaling === 'standard' && s.std > 0 ? s.std : 1;
        const fill = f.impute === 'median' && s.median !== null ? s.median : mean;
        return { name: f.name, mean, std, lo: s.clip_lo ?? (s.min as number), hi: s.clip_hi ?? (s.max as number), fill };
      }),
      categoricals: features.categoricals.map((c) => {
        const counts = levelCounts.filter((l) => l.feature === c.name);
        const nullSeen = counts.some((l) => l.level === null && l.n > 0);
        const seen = counts.filter((l) => l.level !== null).map((l) => l.level as string);
        if (c.missing === 'missing_level' && nullSeen) seen.push(MISSING_LEVEL);
        const declared = contract.categoricals.find((k) => k.name === c.name)?.levels ?? [];
        // Reference level: the first declared level seen in training (else alphabetical), so coding is stable across runs.
        const ordered = [...declared.filter((l) => seen.includes(l)), ...seen.filter((l) => !declared.includes(l)).sort()];
        let fill: string | null = null;
        if (c.missing === 'missing_level') fill = MISSING_LEVEL;
        else if (c.missing === 'most_frequent') {
          const byLevel = counts.filter((l) => l.level !== null);
          const top = Math.max(...byLevel.map((l) => l.n));
          fill = ordered.find((l) => byLevel.some((b) => b.level === l && b.n === top)) ?? null;
        }
        return { name: c.name, levels: ordered, fill };
      }),
      dropped,
    };
  }

  const processedTable = opts.table ?? runTables.processed(runId);
  // Training rows are clipped to the bounds fitted on them (clip_quantiles bound their outliers); test and new rows
  // are clipped only with out_of_range: clip, so the test rows are processed exactly as serving will process new rows.
  const clip = dp.out_of_range === 'clip' ? true : replay ? false : { when: sql`not is_test` };
  /** processed_select.sql over `rows`: the fitted values bound, or written in as literals (for a view). */
  const processedSelect = (rows: SqlFragment, o: { literal: boolean; isTest: SqlFragment; rowGroup: SqlFragment }) => {
    const ready = modelReadySql(fit, { clip, literal: o.literal });
    return sqlFileFragment(STEP, 'processed_select', {
      slots: {
        input_rows: rows,
        key_columns: keyColumns(contract),
        target_select: sql.id(contract.target.name),
        raw_features: rawFeatureSelect(features),
        model_ready: ready.select,
        unseen_count: ready.unseenCount,
        out_of_range_count: ready.outOfRangeCount,
        imputed_count: ready.imputedCount,
        is_test: o.isTest,
        row_group: o.rowGroup,
      },
    });
  };
  await dropProcessed(db, processedTable);
  if (replay) {
    // A batch's processed rows: in a prediction run a view over the batch with the replayed values written in as
    // literals (a view holds no parameters), read by prediction and drift; else a table.
    const asView = Boolean(opts.view);
    await runSqlFile(db, STEP, 'processed_rows', {
      inlineValues: asView,
      slots: {
        relation_kind: asView ? sql`view` : sql`table`,
        processed_table: sql.id(processedTable),
        processed_select: processedSelect(inputRows, { literal: false, isTest: sql`null::boolean`, rowGroup: sql`` }),
      },
    });
  } else {
    // Training: a view over raw_data, not a copy (every later pass computes its sums from it in one scan), pinned to
    // the rows read now, with the fitted values written in as literals.
    const [{ pin_batch: pinBatch }] = await runSqlFile<{ pin_batch: number }>(db, STEP, 'pin_batch');
    const processedRows = processedSelect(inputRowsSql(contract, input, { pinBatch: Number(pinBatch), rowGroups }), {
      literal: true,
      isTest: split ? split.isTest : sql`false`,
      rowGroup: sql`, __row_group`,
    });
    await runSqlFile(db, STEP, 'processed_rows', { slots: { relation_kind: sql`view`, processed_table: sql.id(processedTable), processed_select: processedRows } });
    // The grouped sufficient statistics of both sides of the split, the rows' replay counts, time ranges and identity.
    // The one pass gave them for every cell whose rows the processing leaves as they are (only centred and scaled):
    // there they follow by algebra. The other cells are summed again from the processed rows, one statement per
    // range of them (reading the processed rows' query rather than the view, which the other connections cannot see
    // yet). Both are added up in cell order (design_sums.sql). Training, the split's counts and the summary read them.
    const pass = (folded as NonNullable<typeof folded>).pass;
    const sumsTable = runTables.designSums(runId);
    const cellsTable = `${sumsTable}_cells`;
    const numericNames = fit.numerics.map((n) => n.name);
    const groupColumns = sql.join(fit.categoricals.map((c) => sql`${sql.id(c.name)},`), sql` `);
    // the cells' statements read the same rows with their rowids, each its range of cells by a range of rowids
    const processedCellRows = processedSelect(inputRowsSql(contract, input, { pinBatch: Number(pinBatch), rowGroups, rowid: true }), {
      literal: true,
      isTest: split ? split.isTest : sql`false`,
      rowGroup: sql`, __row_group, __rowid`,
    });
    const cellInputs = {
      slots: {
        processed_rows: processedCellRows,
        group_columns: groupColumns,
        target: sql.id(contract.target.name),
        timestamp: sql.id(contract.timestamp.name),
        key_columns: keyColumns(contract),
        sums: sumsSql(numericNames, sql.id('__y')),
      },
      params: { y_shift: targetMean ?? 0, row_group_rows: ROW_GROUP_ROWS },
    };
    // the table the cells are appended to: the cells query's columns (no cell)
    const emptyCells = sqlFileFragment(STEP, 'design_sums_cells', { ...cellInputs, params: { ...cellInputs.params, first_cell: 0, end_cell: 0 } });
    await runSqlFile(db, STEP, 'design_cells_table', { slots: { cells_table: sql.id(cellsTable), cells: emptyCells } });
    const dirty = (await runSqlFile<{ cell: number | bigint }>(db, STEP, 'fold_dirty_cells', { slots: { cells_table: sql.id(pass.cellsTable), dirty: dirtyCellsSql(fit, features) } })).map((r) => Number(r.cell));
    // most cells: the usual ranges, one per thread; else the runs of them (a few statements, each on one thread)
    const redo = dirty.length * 2 > Number(cellCount) ? cells : coveringRanges(dirty, 4 * threads);
    if (redo.length) await appendSqlFileInParts(db, STEP, 'design_sums_cells', cellInputs, redo, cellsTable);
    const kept: FoldedFeature[] = fit.numerics.map((n) => {
      const column = features.numerics.findIndex((f) => f.name === n.name);
      return { column, offset: n.mean - pass.shifts[column], std: n.std };
    });
    await runSqlFile(db, STEP, 'drop_table', { slots: { table: sql.id(sumsTable) } });
    await runSqlFile(db, STEP, 'design_sums', {
      deterministic: true,
      slots: {
        sums_table: sql.id(sumsTable),
        fold_cells_table: sql.id(pass.cellsTable),
        redo_cells_table: sql.id(cellsTable),
        group_columns: groupColumns,
        shifted_sums: foldedSumsSql(kept),
        centred_sums: centredSumsSql(kept, (targetMean ?? 0) - pass.yShift),
        combined_sums: combinedSumsSql(numericNames),
      },
      params: { y_shift: targetMean ?? 0, y_offset: (targetMean ?? 0) - pass.yShift },
    });
    await runSqlFile(db, STEP, 'drop_table', { slots: { table: sql.id(cellsTable) } });
    await runSqlFile(db, STEP, 'drop_table', { slots: { table: sql.id(pass.cellsTable) } });
  }
  const [summary] = replay
    ? await runSqlFile<ReplayCounts>(db, STEP, 'processed_summary', { slots: { processed_table: sql.id(processedTable) } })
    : await runSqlFile<ReplayCounts>(db, STEP, 'design_summary', { slots: { sums_table: sql.id(runTables.designSums(runId)) } });
  if (!replay) sameRows('design_sums_cells', Number(summary.row_count), rowCount);
  if (replay && dp.unseen_level === 'error' && summary.unseen_values > 0) {
    throw new InputError(`${summary.rows_with_unseen_levels} rows have category levels unseen in training (steps.data_processing.unseen_level is 'error')`);
  }

  let referenceTable: string | undefined;
  if (!replay) {
    referenceTable = runTables.reference(runId);
    const sampleSize = config.steps.data_drift_detection.reference_sample_size;
    await runSqlFile(db, STEP, 'drop_table', { slots: { table: sql.id(referenceTable) } });
    await runSqlFile(db, STEP, 'reference_sample', {
      // every input row, the training side kept after the sample's pre-filter (tested on the pre-filtered rows only)
      slots: { reference_table: sql.id(referenceTable), input_rows: inputRows, fit_rows: split ? sql`not ${split.isTest}` : sql`true`, raw_features: rawFeatureSelect(features), key_columns: keyColumns(contract) },
      params: {
        seed: config.steps.train_test_split.seed,
        sample_size: sampleSize,
        // Expected 1.3 × the sample size pass the pre-filter (a shortfall would need a 90-sigma draw).
        keep_of_1048576: fitCount <= sampleSize ? 1_048_576 : Math.min(1_048_576, Math.ceil((1_048_576 * 1.3 * sampleSize) / fitCount) + 64),
      },
    });
  }

  const schema = await runSqlFile<{ name: string; type: string }>(db, STEP, 'processed_schema', { params: { table_name: processedTable } });
  const featureStats = Object.fromEntries(stats.map((s) => [s.feature, { n: s.n, nulls: s.nulls, mean: s.mean, std: s.std, min: s.min, max: s.max, median: s.median, quantiles: s.quantiles ? { q01: s.quantiles[0], q05: s.quantiles[1], q25: s.quantiles[2], q50: s.quantiles[3], q75: s.quantiles[4], q95: s.quantiles[5], q99: s.quantiles[6] } : null }]));
  const levelStats = Object.fromEntries(features.categoricals.map((c) => [c.name, Object.fromEntries(levelCounts.filter((l) => l.feature === c.name).map((l) => [l.level ?? '(null)', l.n]))]));
  const imputeOf = new Map(features.numerics.map((f) => [f.name, f.impute]));
  const policyOf = new Map(contract.categoricals.map((c) => [c.name, c.categoricalMissing ?? 'reject']));
  const missing: StoredMissing = {
    numeric: Object.fromEntries(fit.numerics.map((n) => [n.name, { impute: imputeOf.get(n.name) ?? 'mean', fill: n.fill ?? n.mean }])),
    categorical: Object.fromEntries(fit.categoricals.map((c) => [c.name, { policy: policyOf.get(c.name) ?? 'reject', fill: c.fill ?? null }])),
  };
  await runSqlFile(db, STEP, 'insert_metadata', {
    params: {
      run_id: runId,
      mode: replay ? 'replay' : 'fit',
      fitted_run_id: fit.fittedRunId,
      batch_id: input.kind === 'batch' ? input.batchId : null,
      processed_table: processedTable,
      row_count: summary.row_count,
      column_count: schema.length,
      numeric_features: JSON.stringify(fit.numerics.map((n) => n.name)),
      categorical_features: JSON.stringify(fit.categoricals.map((c) => c.name)),
      schema_json: JSON.stringify(schema),
      feature_stats: JSON.stringify({
        numeric: featureStats,
        categorical: levelStats,
        design_columns: designColumns(fit),
        missing,
        dropped_features: fit.dropped ?? [],
        // what the statistics were computed on: the training rows of the split (fit), or the batch (replay)
        fitted_on: split ? { rows: fitCount, split: split.method, rows_held_out: rowCount - fitCount } : { rows: rowCount },
      }),
      levels: JSON.stringify(Object.fromEntries(fit.categoricals.map((c) => [c.name, c.levels]))),
      scaling: JSON.stringify(Object.fromEntries(fit.numerics.map((n) => [n.name, { mean: n.mean, std: n.std }]))),
      clip_bounds: JSON.stringify(Object.fromEntries(fit.numerics.map((n) => [n.name, [n.lo, n.hi]]))),
      replay_counts: JSON.stringify(summary),
      now: new Date().toISOString(),
    },
  });
  return {
    processedTable,
    fit,
    features,
    referenceTable,
    replayCounts: summary,
    split,
    inputContent: folded?.inputContent,
    inputFingerprint: fingerprint,
    rowsIn: rowCount,
    rowsOut: summary.row_count,
    message: replay
      ? `replayed run ${fit.fittedRunId}; ${summary.rows_with_unseen_levels} rows with unseen levels, ${summary.rows_out_of_range} with out-of-range values, ${summary.rows_imputed} with imputed values`
      : `fitted ${fit.numerics.length} numeric and ${fit.categoricals.length} categorical features on ${fitCount} training rows${split?.method === 'none' ? '' : ` (${rowCount - fitCount} test rows held out)`}${fit.dropped?.length ? `; left out: ${fit.dropped.map((d) => d.name).join(', ')}` : ''}; ${summary.rows_imputed} rows with imputed values`,
  };
}
