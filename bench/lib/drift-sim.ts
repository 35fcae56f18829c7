/**
 * The drift-decision simulation: false-alarm and detection rates of the pipeline's own decision code over batch
 * sizes and the generator's scenarios.
 *
 * Setup (once): a model is trained by the TRAINING_PIPELINE on one synthetic year; pools of rows are generated
 * (no drift: other seeds of the same year and facilities; covariate-, concept- and target-shift: one year each),
 * ingested and scored by the PREDICTION_PIPELINE (retraining off), so each pool row has its raw features, the
 * model's prediction and the actual. Then, in memory, batches of n rows are drawn without replacement from a
 * pool, and each batch goes through the same functions the pipeline steps call: testFeatures →
 * decideDatasetDrift (data drift) and decideModelDrift (model drift) — only the SQL reading is skipped.
 *
 * No-drift batches are random rows of whole years: the synthetic data is daily and seasonal, so a one-month batch
 * legitimately differs from a year of reference in temperature (and energy use). Drawing rows across the year
 * makes a no-drift batch come from the reference's own distribution, which is what a false alarm is measured on.
 */
import path from 'node:path';
import type { Config } from '../../src/config/load.ts';
import { parseConfig } from '../../src/config/load.ts';
import { openDatabase, type PipelineDb } from '../../src/db/database.ts';
import { runSqlFile } from '../../src/db/sql-runner.ts';
import { generate } from '../../src/generate/generate.ts';
import { ingestFile } from '../../src/ingest/ingest.ts';
import { runPredictionPipeline } from '../../src/pipelines/prediction.ts';
import { runTables, type RunContext } from '../../src/runs/run-log.ts';
import { runTrainingPipeline } from '../../src/pipelines/training.ts';
import { seededRng, type Rng } from '../../src/stats/rng.ts';
import { loadFitParams } from '../../src/steps/data-processing.ts';
import { driftFeatures, testFeatures, type LoadedSamples } from '../../src/steps/data-drift-detection.ts';
import { decideDatasetDrift, decideModelDrift, featureRoles, type ErrorSample, type FeatureRole } from '../../src/steps/drift-decision.ts';
import { numericReference, numericSample, type CategoricalSample, type NumericReference, type NumericSample } from '../../src/steps/drift-tests.ts';
import { featureSet, type NumericFeature } from '../../src/sql/features.ts';
import { compileSql } from '../../src/sql/render.ts';
import { sql } from 'kysely';
import { loadModel } from '../../src/steps/model.ts';

export const SCENARIOS = ['no drift', 'covariate-shift', 'concept-shift', 'target-shift'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface SimSetup {
  /** Folder for the generated files and the database. */
  dir: string;
  /** The project config (the drift settings under test); stages and retention are overridden here. */
  rawConfig: Record<string, any>;
  configSource: string;
  /** Rows of the training year and of each pool file, and the facility universe. */
  yearRows: number;
  facilities: number;
  /** Seeds of the no-drift pool files (one year each) and of each shift scenario's files. */
  baselineSeeds: number[];
  shiftSeeds: number[];
  /** The shift scenarios to generate (default: all three). */
  shifts?: Exclude<Scenario, 'no drift'>[];
}

/** A pool of scored rows, column by column: NaN / -1 where a value is missing. */
interface Pool {
  rows: number;
  numeric: Map<string, Float64Array>;
  categorical: Map<string, { codes: Int32Array; levels: string[] }>;
  prediction: Float64Array;
  actual: Float64Array;
}

export interface SimData {
  config: Config;
  numerics: string[];
  categoricals: string[];
  roles: Map<string, FeatureRole>;
  refNumeric: Map<string, NumericReference>;
  refCategorical: Map<string, CategoricalSample>;
  evalPredictions: NumericReference;
  evalError: ErrorSample & { kurtosis: number | null };
  pools: Map<Scenario, Pool>;
}

async function readPool(db: PipelineDb, config: Config, batchId: number, runId: number, numerics: NumericFeature[], categoricals: string[]): Promise<Pool> {
  const columns = sql.join([...numerics.map((f) => sql`(${f.raw})::double as ${sql.id(f.name)}`), ...categoricals.map((c) => sql.id('r', c))]);
  const q = compileSql(sql`select ${columns}, p.prediction, p.actual
     from raw_data r join ${sql.id(runTables.predictions(runId))} p using (batch_id, source_row)
     where r.batch_id = ${batchId} order by r.source_row`);
  const cols = await db.queryColumns(q.sql, q.params);
  const toF64 = (v: unknown[]) => Float64Array.from(v, (x) => (typeof x === 'number' ? x : NaN));
  const pool: Pool = { rows: cols.prediction.length, numeric: new Map(), categorical: new Map(), prediction: toF64(cols.prediction), actual: toF64(cols.actual) };
  for (const f of numerics) pool.numeric.set(f.name, toF64(cols[f.name]));
  for (const c of categoricals) {
    const levels: string[] = [];
    const index = new Map<string, number>();
    const codes = Int32Array.from(cols[c], (x) => {
      if (x === null || x === undefined) return -1;
      const s = String(x);
      if (!index.has(s)) {
        index.set(s, levels.length);
        levels.push(s);
      }
      return index.get(s)!;
    });
    pool.categorical.set(c, { codes, levels });
  }
  return pool;
}

/**
 * Trains the model and scores the pools with the pipelines themselves, then reads what the decisions need:
 * the reference sample, the evaluation predictions and error, the features' roles, and every pool row.
 */
export async function prepareSimulation(setup: SimSetup, log: (s: string) => void = () => {}): Promise<SimData> {
  const raw = structuredClone(setup.rawConfig);
  raw.steps.data_drift_detection.retrain_on_drift = false;
  raw.steps.model_drift_detection.retrain_on_drift = false;
  raw.retention = { keep_runs: 100 };
  const config = parseConfig(raw, setup.configSource);
  const db = await openDatabase(path.join(setup.dir, 'sim.duckdb'), { threads: config.duckdb.threads });
  try {
    const file = (name: string) => path.join(setup.dir, `${name}.csv`);
    const gen = async (name: string, scenario: string, seed: number, startDate: string) => {
      await generate(config, { rows: setup.yearRows, seed, scenario, out: file(name), startDate, facilities: setup.facilities });
      return file(name);
    };
    log(`training on one year (${setup.yearRows} rows, ${setup.facilities} facilities)`);
    await ingestFile(db, config, await gen('train', 'baseline', 42, '2024-01-01'));
    const trained = await runTrainingPipeline(db, config, 'DEV');
    // the model that scores the pools: a refit, when the config refits after the gate
    const model = await loadModel(db, trained.refit?.modelVersion ?? trained.modelVersion);
    const { modelNumerics, tested, indicatorOf } = driftFeatures(featureSet(config.contract), model);
    const categoricals = model.categoricalFeatures;

    const pools = new Map<Scenario, Pool>();
    const files: [Scenario, string, number][] = [
      ...setup.baselineSeeds.map((s) => ['no drift', 'baseline', s] as [Scenario, string, number]),
      ...(setup.shifts ?? (['covariate-shift', 'concept-shift', 'target-shift'] as const)).flatMap((sc) => setup.shiftSeeds.map((s) => [sc, sc, s] as [Scenario, string, number])),
    ];
    const parts = new Map<Scenario, Pool[]>();
    for (const [scenario, genScenario, seed] of files) {
      log(`scoring a ${scenario} year (seed ${seed})`);
      const out = await runPredictionPipeline(db, config, 'DEV', { input: await gen(`${genScenario}-${seed}`, genScenario, seed, '2025-01-01') });
      const p = await readPool(db, config, out.batchId, out.runId, tested, categoricals);
      parts.set(scenario, [...(parts.get(scenario) ?? []), p]);
    }
    for (const [scenario, ps] of parts) pools.set(scenario, concatPools(ps));

    // The reference sample and evaluation predictions, read as the steps read them.
    const refQuery = compileSql(sql`select * from ${sql.id(model.referenceTable)}`);
    const ref = await db.queryColumns(refQuery.sql);
    const refNumeric = new Map(modelNumerics.map((f) => [f.name, numericReference(numericSample(ref[f.name]))]));
    const refCategorical = new Map(
      categoricals.map((c) => {
        const s: CategoricalSample = { counts: new Map(), missing: 0 };
        for (const v of ref[c]) {
          if (v === null || v === undefined) s.missing++;
          else s.counts.set(String(v), (s.counts.get(String(v)) ?? 0) + 1);
        }
        return [c, s];
      }),
    );
    const evalTable = sql.id(runTables.evalPredictions(model.runId));
    const ev = await db.queryColumns(compileSql(sql`select prediction from ${evalTable}`).sql);
    const [evErr] = await runSqlFile<{ n_test: number; mse: number; kurtosis: number | null }>(db, 'model_drift_detection', 'evaluation_error', { slots: { predictions_table: evalTable } });
    const ctx: RunContext = { db, config, stage: 'DEV', runId: trained.runId, pipelineType: 'TRAINING_PIPELINE' };
    const fit = await loadFitParams(ctx, model.runId);
    const roles = featureRoles(
      { designColumns: model.designColumns, coefficients: model.coefficients, numericScale: new Map(fit.numerics.map((n) => [n.name, n.std])) },
      { numericStd: new Map([...refNumeric].map(([k, v]) => [k, v.std])), levelCounts: new Map([...refCategorical].map(([k, v]) => [k, v.counts])) },
      modelNumerics.map((f) => f.name),
      categoricals,
      indicatorOf,
    );
    return {
      config,
      numerics: tested.map((f) => f.name),
      categoricals,
      roles,
      refNumeric,
      refCategorical,
      evalPredictions: numericReference(numericSample(ev.prediction)),
      evalError: { n: evErr.n_test, mse: evErr.mse, kurtosis: evErr.kurtosis },
      pools,
    };
  } finally {
    await db.close();
  }
}

function concatPools(ps: Pool[]): Pool {
  if (ps.length === 1) return ps[0];
  const cat = (arrs: Float64Array[]) => {
    const out = new Float64Array(arrs.reduce((a, x) => a + x.length, 0));
    let at = 0;
    for (const a of arrs) out.set(a, (at += a.length) - a.length);
    return out;
  };
  const out: Pool = { rows: ps.reduce((a, p) => a + p.rows, 0), numeric: new Map(), categorical: new Map(), prediction: cat(ps.map((p) => p.prediction)), actual: cat(ps.map((p) => p.actual)) };
  for (const f of ps[0].numeric.keys()) out.numeric.set(f, cat(ps.map((p) => p.numeric.get(f)!)));
  for (const c of ps[0].categorical.keys()) {
    // re-code every part against one level list
    const levels: string[] = [];
    const index = new Map<string, number>();
    const codes = new Int32Array(out.rows);
    let at = 0;
    for (const p of ps) {
      const part = p.categorical.get(c)!;
      for (let i = 0; i < part.codes.length; i++) {
        const code = part.codes[i];
        if (code < 0) codes[at++] = -1;
        else {
          const s = part.levels[code];
          if (!index.has(s)) {
            index.set(s, levels.length);
            levels.push(s);
          }
          codes[at++] = index.get(s)!;
        }
      }
    }
    out.categorical.set(c, { codes, levels });
  }
  return out;
}

/** One batch's decisions. */
export interface BatchOutcome {
  tooFewRows: boolean;
  data: boolean;
  model: boolean;
  retrain: boolean;
  /** main's rule (b57679b): distances at fixed thresholds, share ≥ 0.5 of all tested features; RMSE ratio > 1.25 with no n. */
  mainData: boolean;
  mainModel: boolean;
  dataRule: string;
}

/** Draws `n` distinct rows of the pool (a partial Fisher–Yates shuffle of a persistent permutation). */
function draw(perm: Int32Array, n: number, rng: Rng): Int32Array {
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(perm.length - i);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm.subarray(0, n);
}

/** Scores one batch (rows `idx` of `pool`) with the pipeline's decision functions. */
export function decideBatch(data: SimData, pool: Pool, idx: Int32Array): BatchOutcome {
  const cfg = data.config.steps.data_drift_detection;
  const n = idx.length;
  const gather = (col: Float64Array): NumericSample => {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = col[idx[i]];
    return numericSample(v);
  };
  const samples: LoadedSamples = { refNumeric: data.refNumeric, curNumeric: new Map(), refCategorical: data.refCategorical, curCategorical: new Map() };
  for (const f of data.numerics) samples.curNumeric.set(f, gather(pool.numeric.get(f)!));
  for (const c of data.categoricals) {
    const { codes, levels } = pool.categorical.get(c)!;
    const counts = new Float64Array(levels.length);
    let missing = 0;
    for (let i = 0; i < n; i++) {
      const k = codes[idx[i]];
      if (k < 0) missing++;
      else counts[k]++;
    }
    samples.curCategorical.set(c, { counts: new Map(levels.map((l, k) => [l, counts[k]] as [string, number]).filter(([, x]) => x > 0)), missing });
  }
  const tests = testFeatures(samples, data.numerics, data.categoricals, cfg);
  const d = decideDatasetDrift(tests, data.roles, n, cfg);
  let sse = 0;
  let labelled = 0;
  for (let i = 0; i < n; i++) {
    const a = pool.actual[idx[i]];
    if (Number.isNaN(a)) continue;
    sse += (pool.prediction[idx[i]] - a) ** 2;
    labelled++;
  }
  const batchError = labelled ? { n: labelled, mse: sse / labelled } : null;
  const m = decideModelDrift(data.evalPredictions, gather(pool.prediction), batchError, data.evalError, cfg, data.config.steps.model_drift_detection);
  // main's rule, from the same numbers: its defaults for a reference of more than 1000 rows.
  const mainShare = tests.filter((t) => t.effect !== null && t.effect >= cfg.distance_threshold).length / tests.length;
  const predEffect = m.tests[0].effect;
  const ratio = batchError ? Math.sqrt(batchError.mse / data.evalError.mse) : null;
  return {
    tooFewRows: d.rule === 'too_few_rows',
    data: d.drifted,
    model: m.drifted,
    retrain: d.drifted || m.drifted,
    mainData: mainShare >= cfg.dataset_drift_share,
    mainModel: (predEffect !== null && predEffect >= cfg.distance_threshold) || (ratio !== null && ratio > 1.25),
    dataRule: d.rule,
  };
}

export interface CellResult {
  scenario: Scenario;
  rows: number;
  batches: number;
  tooFewRows: number;
  data: number;
  model: number;
  retrain: number;
  mainData: number;
  mainModel: number;
  mainRetrain: number;
  rules: Record<string, number>;
}

/** Runs `batches` batches of every size for every scenario. Deterministic for `seed`. */
export function simulate(data: SimData, sizes: readonly number[], batches: (scenario: Scenario, rows: number) => number, seed: number, scenarios: readonly Scenario[] = SCENARIOS, progress: (s: string) => void = () => {}): CellResult[] {
  const out: CellResult[] = [];
  for (const scenario of scenarios) {
    const pool = data.pools.get(scenario);
    if (!pool) throw new Error(`no pool for scenario ${scenario}`);
    const perm = Int32Array.from({ length: pool.rows }, (_, i) => i);
    for (const rows of sizes) {
      if (rows > pool.rows) throw new Error(`batch of ${rows} rows is larger than the ${scenario} pool (${pool.rows} rows)`);
      const rng = seededRng(seed + rows * 7919 + SCENARIOS.indexOf(scenario) * 104729);
      const cell: CellResult = { scenario, rows, batches: batches(scenario, rows), tooFewRows: 0, data: 0, model: 0, retrain: 0, mainData: 0, mainModel: 0, mainRetrain: 0, rules: {} };
      const t0 = performance.now();
      for (let b = 0; b < cell.batches; b++) {
        const o = decideBatch(data, pool, draw(perm, rows, rng));
        cell.tooFewRows += Number(o.tooFewRows);
        cell.data += Number(o.data);
        cell.model += Number(o.model);
        cell.retrain += Number(o.retrain);
        cell.mainData += Number(o.mainData);
        cell.mainModel += Number(o.mainModel);
        cell.mainRetrain += Number(o.mainData || o.mainModel);
        cell.rules[o.dataRule] = (cell.rules[o.dataRule] ?? 0) + 1;
      }
      progress(`${scenario} ${rows} rows: ${cell.batches} batches in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      out.push(cell);
    }
  }
  return out;
}

/** The README's short table: the retrain rate per scenario and main's false alarms, one row per batch size. */
export function markdownShortTable(cells: readonly CellResult[]): string {
  const sizes = [...new Set(cells.map((c) => c.rows))].sort((a, b) => a - b);
  const scenarios = SCENARIOS.filter((s) => cells.some((c) => c.scenario === s));
  const head = ['batch rows', ...scenarios.map((s) => (s === 'no drift' ? 'false alarms (no drift)' : `${s} caught`)), 'false alarms, b57679b'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---:').join('|')}|`];
  for (const rows of sizes) {
    const cell = (s: Scenario) => cells.find((c) => c.scenario === s && c.rows === rows)!;
    const parts = scenarios.map((s) => (cell(s).tooFewRows === cell(s).batches ? 'too few rows' : pct(cell(s).retrain, cell(s).batches)));
    lines.push(`| ${rows.toLocaleString('en-US')} | ${parts.join(' | ')} | ${pct(cell('no drift').mainRetrain, cell('no drift').batches)} |`);
  }
  return lines.join('\n');
}

const pct = (k: number, n: number) => `${((100 * k) / n).toFixed(k === 0 || k === n ? 0 : 1)}%`;

/** The results as a markdown table: one row per batch size, the retrain rate (data / model) per scenario, and main's rule. */
export function markdownTable(cells: readonly CellResult[]): string {
  const sizes = [...new Set(cells.map((c) => c.rows))].sort((a, b) => a - b);
  const scenarios = SCENARIOS.filter((s) => cells.some((c) => c.scenario === s));
  const head = [
    'batch rows',
    ...scenarios.map((s) => (s === 'no drift' ? 'no drift: false alarms (data / model)' : `${s}: detected (data / model)`)),
    "main's rule: no drift / covariate / concept",
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---:' : '---')).join('|')}|`];
  for (const rows of sizes) {
    const cell = (s: Scenario) => cells.find((c) => c.scenario === s && c.rows === rows);
    const parts = scenarios.map((s) => {
      const c = cell(s)!;
      if (c.tooFewRows === c.batches) return 'too few rows';
      return `**${pct(c.retrain, c.batches)}** (${pct(c.data, c.batches)} / ${pct(c.model, c.batches)})`;
    });
    const main = (['no drift', 'covariate-shift', 'concept-shift'] as const).map((s) => (cell(s) ? pct(cell(s)!.mainRetrain, cell(s)!.batches) : '—')).join(' / ');
    lines.push(`| ${rows.toLocaleString('en-US')} | ${parts.join(' | ')} | ${main} |`);
  }
  return lines.join('\n');
}
