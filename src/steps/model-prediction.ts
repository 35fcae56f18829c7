import { runSqlFile } from '../db/sql-runner.ts';
import { quoteIdent } from '../db/sql-text.ts';
import { runTables, type RunContext, type StepReport } from '../pipelines/run-log.ts';
import { studentTQuantile } from '../stats/ols.ts';
import { keyColumns } from './features.ts';
import type { FitParams } from './fit-params.ts';
import { groupLeverageTerms } from './leverage.ts';
import { predictionSql, type StoredModel } from './model.ts';

const STEP = 'model_prediction';

export interface PredictionResult extends StepReport {
  predictionsTable: string;
  n: number;
  nActual: number;
  nHighLeverage: number;
  nCovered: number;
}

/**
 * model_prediction: the active model's predictions in SQL, each with a prediction interval from
 * (XᵀX)⁻¹ and the residual variance, the model version and flags (high leverage, unseen level, out of range).
 */
export async function modelPrediction(ctx: RunContext, processedTable: string, model: StoredModel, fit: FitParams, tableName = runTables.predictions(ctx.runId)): Promise<PredictionResult> {
  const { db, config } = ctx;
  const cfg = config.steps.model_prediction;
  const k = fit.numerics.length;
  const cats = fit.categoricals;
  const table = quoteIdent(processedTable);
  const params: Record<string, unknown> = {};
  const fragments: Record<string, string> = {};

  // The leverage terms of each combination of levels present in the batch.
  let groupRows: Record<string, string | null>[] = [{}];
  if (cats.length) {
    groupRows = await runSqlFile<Record<string, string | null>>(db, STEP, 'batch_groups', {
      fragments: { categorical_columns: cats.map((c) => quoteIdent(c.name)).join(', '), processed_table: table },
    });
  }
  const terms = groupRows.map((row) => {
    const active = cats.flatMap((c) => {
      const idx = model.designColumns.indexOf(`${c.name}=${row[c.name]}`);
      return idx >= 0 ? [idx] : [];
    });
    return groupLeverageTerms(model.covUnscaled, model.featureMeans, k, active);
  });
  const groupCols: string[] = [];
  cats.forEach((c, i) => {
    params[`lv_${i}`] = JSON.stringify(groupRows.map((r) => r[c.name]));
    groupCols.push(`unnest(from_json($lv_${i}, '["VARCHAR"]')) as ${quoteIdent(c.name)}`);
  });
  for (let i = 0; i < k; i++) {
    params[`g_${i}`] = JSON.stringify(terms.map((t) => t.g[i]));
    groupCols.push(`unnest(from_json($g_${i}, '["DOUBLE"]')) as g_${i}`);
  }
  params.c = JSON.stringify(terms.map((t) => t.c));
  groupCols.push(`unnest(from_json($c, '["DOUBLE"]')) as c`);
  await runSqlFile(db, STEP, 'interval_groups', { fragments: { group_columns: groupCols.join(', ') }, params });

  const lev: Record<string, unknown> = {};
  const centred: string[] = [];
  const quad: string[] = [];
  const linear: string[] = [];
  for (let i = 0; i < k; i++) {
    lev[`m_${i}`] = model.featureMeans[i];
    centred.push(`(${quoteIdent(fit.numerics[i].name)} - $m_${i}) as __w${i}`);
    linear.push(`p.__w${i} * g.g_${i}`);
    for (let j = i; j < k; j++) {
      const cij = model.covUnscaled[i][j] * (i === j ? 1 : 2);
      if (cij === 0) continue;
      lev[`q_${i}_${j}`] = cij;
      quad.push(`$q_${i}_${j} * p.__w${i} * p.__w${j}`);
    }
  }
  const pred = predictionSql(model, fit, 'b');
  const level = cfg.interval_level;
  const tq = studentTQuantile(1 - (1 - level) / 2, model.dofResidual);
  const predictionsTable = tableName;
  await db.exec(`drop table if exists ${quoteIdent(predictionsTable)}`);
  Object.assign(fragments, {
    predictions_table: quoteIdent(predictionsTable),
    processed_table: table,
    centred_numerics: centred.join(', ') || '0 as __none',
    key_columns: keyColumns(config.contract).map((c) => `p.${c}`).join(', '),
    key_names: keyColumns(config.contract).join(', '),
    target: quoteIdent(config.contract.target.name),
    // Column references in the model's expression are unqualified; only p has them.
    prediction: pred.expr,
    quadratic: quad.join(' + ') || '0',
    linear: linear.join(' + ') || '0',
    group_join: cats.length ? `join interval_groups g using (${cats.map((c) => quoteIdent(c.name)).join(', ')})` : 'cross join interval_groups g',
  });
  await runSqlFile(db, STEP, 'predictions', {
    fragments,
    params: {
      ...pred.params,
      ...lev,
      inv_n: 1 / model.nTrain,
      t_quantile: tq,
      residual_variance: model.residualVariance,
      leverage_limit: cfg.leverage_flag_multiple * model.meanLeverage,
    },
  });
  await db.exec('drop table if exists temp.interval_groups');
  const [s] = await runSqlFile<{ n: number; n_actual: number; n_high_leverage: number; mean_prediction: number; n_covered: number }>(db, STEP, 'prediction_summary', { deterministic: true,
    fragments: { predictions_table: quoteIdent(predictionsTable) },
  });
  return {
    predictionsTable,
    n: s.n,
    nActual: s.n_actual,
    nHighLeverage: s.n_high_leverage,
    nCovered: s.n_covered,
    rowsIn: s.n,
    rowsOut: s.n,
    message: `${s.n} predictions by model v${model.modelVersion} (${(level * 100).toFixed(0)}% intervals${s.n_actual ? `, ${((100 * s.n_covered) / s.n_actual).toFixed(1)}% of ${s.n_actual} actuals inside` : ''}; ${s.n_high_leverage} high-leverage rows)`,
  };
}
