import { runSqlFile, sqlFileFragment } from '../db/sql-runner.ts';
import { sql } from 'kysely';
import { logger } from '../logger.ts';
import { runTables, type RunContext, type StepReport } from '../runs/run-log.ts';
import { studentTQuantile } from '../stats/ols.ts';
import { identList, keyColumns } from '../sql/features.ts';
import { predictionSql } from '../sql/prediction.ts';
import type { SqlFragment } from '../sql/render.ts';
import type { FitParams } from './fit-params.ts';
import { groupLeverageTerms } from './leverage.ts';
import type { StoredModel } from './model.ts';

const STEP = 'model_prediction';

/**
 * Up to this many combinations of category levels, each row reads its group's leverage terms from lists by index
 * (predictions.sql, no join); beyond, the combinations present in the batch are joined.
 */
const DENSE_GROUP_LIMIT = 4096;

/** Which interval a prediction gets: normal theory, or split-conformal half-widths (overall, and per level of one categorical). */
export type IntervalSpec =
  | { method: 'normal' }
  | { method: 'conformal'; quantile: number; group: string | null; groupQuantiles: Record<string, number> };

/**
 * The interval the model serves with: steps.model_prediction.interval_method, where `auto` takes what the
 * model's evaluation chose (conformal when normal theory did not cover the held-out rows as it should).
 * A conformal calibration is used only at the level it was made for; otherwise the normal interval, said so.
 */
export async function servingInterval(ctx: RunContext, model: StoredModel): Promise<{ spec: IntervalSpec; note: string }> {
  const cfg = ctx.config.steps.model_prediction;
  const [e] = await runSqlFile<{ interval_level: number | null; interval_choice: string | null; conformal_quantile: number | null; conformal_group: string | null; conformal_group_quantiles: string | null }>(
    ctx.db, STEP, 'interval_calibration', { params: { run_id: model.runId } },
  );
  const wanted = cfg.interval_method === 'auto' ? (e?.interval_choice ?? 'normal') : cfg.interval_method;
  if (wanted === 'normal') return { spec: { method: 'normal' }, note: cfg.interval_method === 'auto' ? 'normal (auto: normal theory held on the test rows)' : 'normal' };
  if (!e || e.conformal_quantile === null || e.interval_level !== cfg.interval_level) {
    const why = !e || e.conformal_quantile === null ? `model v${model.modelVersion} has no conformal calibration` : `its calibration is for ${e.interval_level} intervals, not ${cfg.interval_level}`;
    logger.warn(`conformal intervals asked for, but ${why}: serving normal-theory intervals`);
    return { spec: { method: 'normal' }, note: `normal (conformal unavailable: ${why})` };
  }
  // Per-group half-widths serve only when the config still asks for the group they were calibrated for.
  const group = e.conformal_group !== null && e.conformal_group === cfg.conformal_group ? e.conformal_group : null;
  if (cfg.conformal_group && !group) logger.warn(`steps.model_prediction.conformal_group is ${cfg.conformal_group}, but model v${model.modelVersion} was calibrated ${e.conformal_group ? `by ${e.conformal_group}` : 'without a group'}: serving its overall conformal half-width`);
  return {
    spec: { method: 'conformal', quantile: e.conformal_quantile, group, groupQuantiles: group && e.conformal_group_quantiles ? (JSON.parse(e.conformal_group_quantiles) as Record<string, number>) : {} },
    note: `split-conformal${group ? ` by ${group}` : ''}${cfg.interval_method === 'auto' ? ' (auto: normal theory did not hold on the test rows)' : ''}`,
  };
}

/** A predictions table summarised in one pass (prediction_summary.sql): what model drift and the batch check read. */
export interface PredictionMetrics {
  n: number;
  nActual: number;
  nHighLeverage: number;
  nCovered: number;
  meanPrediction: number | null;
  /** Over the labelled rows (null: none). */
  rmse: number | null;
  mae: number | null;
  bias: number | null;
  /** The labelled rows' squared error, summed in file order, and how many rows it is over. */
  batchMse: number | null;
  nErrors: number;
}

export interface PredictionResult extends StepReport {
  predictionsTable: string;
  n: number;
  nActual: number;
  nHighLeverage: number;
  nCovered: number;
  /** The one-pass summary the drift and batch checks read. */
  metrics: PredictionMetrics;
  /** Which interval was served, in words. */
  intervalNote: string;
}

/**
 * model_prediction: the active model's predictions in SQL, each with a prediction interval from
 * (XᵀX)⁻¹ and the residual variance, the model version and flags (high leverage, unseen level, out of range).
 * The one-pass summary of the predictions (prediction_metrics.sql: counts, coverage and, with labels, the errors) is
 * read from the table it writes.
 */
export async function modelPrediction(
  ctx: RunContext,
  processedTable: string,
  model: StoredModel,
  fit: FitParams,
  tableName = runTables.predictions(ctx.runId),
  interval?: IntervalSpec,
  opts: {
    /** Default DENSE_GROUP_LIMIT (a test takes the join's path with 0). */ denseGroupLimit?: number;
    /** Each row's flags (row_flags.sql), as served; false for the evaluation's test rows, whose table records coverage. Default true. */
    flags?: boolean;
  } = {},
): Promise<PredictionResult> {
  const level = ctx.config.steps.model_prediction.interval_level;
  const { predictionsTable, note } = await writePredictions(ctx, processedTable, model, fit, tableName, interval, opts);
  const metrics = await predictionMetrics(ctx, predictionsTable);
  const s = { n: metrics.n, n_actual: metrics.nActual, n_high_leverage: metrics.nHighLeverage, n_covered: metrics.nCovered };
  return {
    predictionsTable,
    metrics,
    n: s.n,
    nActual: s.n_actual,
    nHighLeverage: s.n_high_leverage,
    nCovered: s.n_covered,
    rowsIn: s.n,
    rowsOut: s.n,
    intervalNote: note,
    message: `${s.n} predictions by model v${model.modelVersion} (${(level * 100).toFixed(0)}% ${note} intervals${s.n_actual ? `, ${((100 * s.n_covered) / s.n_actual).toFixed(1)}% of ${s.n_actual} actuals inside` : ''}; ${s.n_high_leverage} high-leverage rows)`,
  };
}

/**
 * The predictions table alone (predictions.sql), with no summary pass over it: what the evaluation's one pass over
 * the test rows writes (its statistics are read from the table by the evaluation's own statements).
 */
export async function writePredictions(
  ctx: RunContext,
  processedTable: string,
  model: StoredModel,
  fit: FitParams,
  tableName: string,
  interval?: IntervalSpec,
  opts: {
    /** Default DENSE_GROUP_LIMIT (a test takes the join's path with 0). */ denseGroupLimit?: number;
    /** Each row's flags (row_flags.sql), as served; false for the evaluation's test rows, whose table records coverage. Default true. */
    flags?: boolean;
  } = {},
): Promise<{ predictionsTable: string; note: string }> {
  const { db, config } = ctx;
  const cfg = config.steps.model_prediction;
  const k = fit.numerics.length;
  const cats = fit.categoricals;
  const table = sql.id(processedTable);

  // Each combination of category levels: its part of the leverage (g, a vector over the numeric features, and c,
  // from (XᵀX)⁻¹) and its level coefficients. Up to DENSE_GROUP_LIMIT combinations, every one of them, in mixed-radix
  // order of the levels' positions, read by each row from lists at its own index (no join: the table keeps the rows'
  // order); beyond, the combinations present in the batch, joined (and the rows put back in order).
  const combinations = cats.reduce((n, c) => n * c.levels.length, 1);
  const dense = combinations <= (opts.denseGroupLimit ?? DENSE_GROUP_LIMIT);
  let groupRows: Record<string, string | null>[] = [{}];
  if (cats.length && dense) {
    groupRows = [];
    const walk = (i: number, row: Record<string, string>) => {
      if (i === cats.length) groupRows.push({ ...row });
      else for (const level of cats[i].levels) walk(i + 1, { ...row, [cats[i].name]: level });
    };
    walk(0, {});
  } else if (cats.length) {
    groupRows = await runSqlFile<Record<string, string | null>>(db, STEP, 'batch_groups', {
      slots: { categorical_columns: identList(cats.map((c) => c.name)), processed_table: table },
    });
  }
  const terms = groupRows.map((row) => {
    const active = cats.flatMap((c) => {
      const idx = model.designColumns.indexOf(`${c.name}=${row[c.name]}`);
      return idx >= 0 ? [idx] : [];
    });
    return groupLeverageTerms(model.covUnscaled, model.featureMeans, k, active);
  });
  const coef = new Map(model.designColumns.map((c, i) => [c, model.coefficients[i]]));
  // name → the list of its value per combination (g_i, c, each categorical's level coefficient b_i)
  const termLists: [string, number[]][] = [
    ...Array.from({ length: k }, (_, i): [string, number[]] => [`__g_${i}`, terms.map((t) => t.g[i])]),
    ['__c', terms.map((t) => t.c)],
    ...cats.map((c, ci): [string, number[]] => [`__b_${ci}`, groupRows.map((r) => coef.get(`${c.name}=${r[c.name]}`) ?? 0)]),
  ];
  let groupCtes: SqlFragment = sql``;
  let groupedSelect: SqlFragment;
  if (dense) {
    // the row's combination: 1 + Σ (position of its level - 1) × (combinations of the categoricals after it)
    let stride = 1;
    const index: SqlFragment[] = [];
    for (let ci = cats.length - 1; ci >= 0; ci--) {
      index.unshift(sql`(list_position(from_json(${JSON.stringify(cats[ci].levels)}, '["VARCHAR"]'), ${sql.id(cats[ci].name)}) - 1) * ${sql.lit(stride)}`);
      stride *= cats[ci].levels.length;
    }
    const at = sql.join([sql`1`, ...index], sql` + `);
    const lists = termLists.map(([name, values]) => sql`list_extract(from_json(${JSON.stringify(values)}, '["DOUBLE"]'), __group) as ${sql.id(name)}`);
    groupedSelect = sql`select *, ${sql.join(lists)}
    from (select *, ${at} as __group from centred)`;
  } else {
    const groupCols: SqlFragment[] = cats.map((c) => sql`unnest(from_json(${JSON.stringify(groupRows.map((r) => r[c.name]))}, '["VARCHAR"]')) as ${sql.id(c.name)}`);
    for (const [name, values] of termLists) groupCols.push(sql`unnest(from_json(${JSON.stringify(values)}, '["DOUBLE"]')) as ${sql.id(name)}`);
    groupCtes = sql`interval_groups as (
    select ${sql.join(groupCols)}
),
`;
    groupedSelect = sql`select *
    from centred
    join interval_groups using (${identList(cats.map((c) => c.name))})`;
  }

  const centred: SqlFragment[] = [];
  const quad: SqlFragment[] = [];
  const linear: SqlFragment[] = [];
  const w = (i: number) => sql.id('p', `__w${i}`);
  for (let i = 0; i < k; i++) {
    centred.push(sql`(${sql.id(fit.numerics[i].name)} - ${model.featureMeans[i]}) as ${sql.id(`__w${i}`)}`);
    linear.push(sql`${w(i)} * ${sql.id('p', `__g_${i}`)}`);
    for (let j = i; j < k; j++) {
      const cij = model.covUnscaled[i][j] * (i === j ? 1 : 2);
      if (cij !== 0) quad.push(sql`${cij} * ${w(i)} * ${w(j)}`);
    }
  }
  const level = cfg.interval_level;
  const tq = studentTQuantile(1 - (1 - level) / 2, model.dofResidual);
  const chosen = interval ? { spec: interval, note: interval.method } : await servingInterval(ctx, model);
  const spec = chosen.spec;
  let halfWidth: SqlFragment = sql`${tq} * sqrt(${model.residualVariance} * (1 + leverage))`;
  let groupValue: SqlFragment = sql`null::varchar`;
  if (spec.method === 'conformal') {
    halfWidth = sql`${spec.quantile}`;
    const levels = Object.keys(spec.groupQuantiles);
    if (spec.group && levels.length && cats.some((c) => c.name === spec.group)) {
      // A row with an unseen level was mapped to the reference level: it gets the overall half-width.
      groupValue = sql`case when p.unseen_levels = 0 then ${sql.id('p', spec.group)} end`;
      const qs = JSON.stringify(levels.map((l) => spec.groupQuantiles[l]));
      halfWidth = sql`coalesce(list_extract(from_json(${qs}, '["DOUBLE"]'), list_position(from_json(${JSON.stringify(levels)}, '["VARCHAR"]'), __conformal_group)), ${spec.quantile})`;
    }
  }
  const predictionsTable = tableName;
  const sum = (terms: SqlFragment[]) => (terms.length ? sql.join(terms, sql` + `) : sql`0`);
  await runSqlFile(db, STEP, 'drop_table', { slots: { table: sql.id(predictionsTable) } });
  await runSqlFile(db, STEP, 'predictions', {
    slots: {
      predictions_table: sql.id(predictionsTable),
      group_ctes: groupCtes,
      grouped_select: groupedSelect,
      order_by: dense ? sql`` : sql`order by batch_id, source_row`,
      processed_table: table,
      centred_numerics: centred.length ? sql.join(centred) : sql`0 as __none`,
      key_columns: keyColumns(config.contract, 'p'),
      key_names: keyColumns(config.contract),
      target: sql.id(config.contract.target.name),
      // Column references in the model's expression are unqualified; only p has them.
      // the numeric terms, then each categorical's level coefficient, in the order predictionSql adds them
      prediction: sql.join([predictionSql(model, { numerics: fit.numerics, categoricals: [] }), ...cats.map((_, ci) => sql.id('p', `__b_${ci}`))], sql` + `),
      quadratic: sum(quad),
      linear: sum(linear),
      half_width: halfWidth,
      group_value: groupValue,
      flags: opts.flags === false ? sql`` : sqlFileFragment(STEP, 'row_flags', { params: { leverage_limit: cfg.leverage_flag_multiple * model.meanLeverage } }),
    },
    params: { inv_n: 1 / model.nTrain },
  });
  return { predictionsTable, note: chosen.note };
}

/** prediction_metrics.sql over a predictions table (single-threaded: its sums are bit-identical run to run). */
export async function predictionMetrics(ctx: Pick<RunContext, 'db'>, predictionsTable: string): Promise<PredictionMetrics> {
  const [s] = await runSqlFile<{
    n: number;
    n_actual: number;
    n_high_leverage: number;
    mean_prediction: number | null;
    n_covered: number;
    rmse: number | null;
    mae: number | null;
    bias: number | null;
    n_errors: number;
    batch_mse: number | null;
  }>(ctx.db, STEP, 'prediction_metrics', { deterministic: true, slots: { predictions_table: sql.id(predictionsTable) } });
  return {
    n: s.n,
    nActual: s.n_actual,
    nHighLeverage: s.n_high_leverage,
    nCovered: s.n_covered,
    meanPrediction: s.mean_prediction,
    rmse: s.rmse,
    mae: s.mae,
    bias: s.bias,
    batchMse: s.batch_mse,
    nErrors: s.n_errors,
  };
}
