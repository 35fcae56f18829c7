/**
 * Local helpers of the training and prediction suites: the synthetic generator's truth, stored models read back
 * with their scaling, and standard errors of the raw-unit coefficients derived from the model's own (XᵀX)⁻¹ and
 * residual variance. (Not a test file: mocha only runs `*.test.ts`.)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { PipelineDb } from '../../../src/db/database.ts';
import { loadModel, type StoredModel } from '../../../src/steps/model.ts';
import { BIN, PROJECT_ROOT, type CliResult } from '../../support/helpers.ts';

/** Rows of one synthetic year over 100 facilities (row i = facility i mod 100, day i div 100). */
export const FACILITIES = 100;
export const YEAR_ROWS = 36_500;

export interface SyntheticTruth {
  facilities: number;
  noise_sd: number;
  coefficients: Record<string, Record<string, number>>;
  sector_effects: Record<string, number>;
  regions: Record<string, { effect: number; temp: number; renewable: number }>;
  covariate_shift: Record<string, number>;
}

/** config/synthetic/italy_facility_co2.yaml, with its YAML merge keys resolved. */
export function syntheticTruth(): SyntheticTruth {
  const text = readFileSync(path.join(PROJECT_ROOT, 'config/synthetic/italy_facility_co2.yaml'), 'utf8');
  return YAML.parse(text, { merge: true }) as SyntheticTruth;
}

/** A stored model with the processing parameters of its training run. */
export interface ModelWithScaling extends StoredModel {
  coefficientsOriginal: { intercept: number; coefficients: Record<string, number> };
  droppedFeatures: { name: string; reason: string }[];
  /** numeric feature → training mean and scale divisor */
  scaling: Record<string, { mean: number; std: number }>;
  /** categorical feature → levels, the first being the reference */
  levels: Record<string, string[]>;
}

export async function readModel(db: PipelineDb, modelVersion: number): Promise<ModelWithScaling> {
  const m = await loadModel(db, modelVersion);
  const [row] = await db.query<{ co: string; dropped: string; scaling: string; levels: string }>(
    `select m.coefficients_original::varchar as co, m.dropped_features::varchar as dropped, d.scaling::varchar as scaling, d.levels::varchar as levels
     from models m join data_processing_metadata d on d.run_id = m.run_id
     where m.model_version = $1`,
    [modelVersion],
  );
  return {
    ...m,
    coefficientsOriginal: JSON.parse(row.co),
    droppedFeatures: JSON.parse(row.dropped),
    scaling: JSON.parse(row.scaling),
    levels: JSON.parse(row.levels),
  };
}

/**
 * The generator's true value of every design column and of the intercept, in raw units, for a model that codes
 * categoricals against `levels[name][0]`: a dummy's truth is effect(level) − effect(reference), and the intercept
 * absorbs the reference levels' effects. Calendar features have no effect in the generator (truth 0).
 */
export function trueCoefficients(truth: SyntheticTruth, scenario: string, model: Pick<ModelWithScaling, 'designColumns' | 'numericFeatures' | 'levels'>): { intercept: number; byColumn: Record<string, number> } {
  const coef = truth.coefficients[scenario];
  const effect = (feature: string, level: string): number => {
    if (feature === 'region') return truth.regions[level].effect;
    if (feature === 'sector') return truth.sector_effects[level];
    throw new Error(`no truth for categorical ${feature}`);
  };
  const byColumn: Record<string, number> = {};
  for (const c of model.designColumns) {
    const eq = c.indexOf('=');
    if (eq < 0) {
      if (c in coef) byColumn[c] = coef[c];
      else if (c.startsWith('cal_')) byColumn[c] = 0;
      else throw new Error(`no truth for numeric feature ${c}`);
    } else {
      const feature = c.slice(0, eq);
      byColumn[c] = effect(feature, c.slice(eq + 1)) - effect(feature, model.levels[feature][0]);
    }
  }
  let intercept = coef.intercept;
  for (const [feature, levels] of Object.entries(model.levels)) intercept += effect(feature, levels[0]);
  return { intercept, byColumn };
}

/**
 * Standard errors of the raw-unit coefficients from the model's own numbers: Var(β̂) = s²·(XᵀX)⁻¹ over the centred
 * scaled design (covUnscaled), divided by each numeric feature's scale; the raw intercept is the prediction at raw
 * x = 0 (reference levels), so its variance is s²·(1/n + dᵀ C d) with d = z(0) − z̄.
 */
export function rawStandardErrors(model: ModelWithScaling): { intercept: number; byColumn: Record<string, number> } {
  const s2 = model.residualVariance;
  const C = model.covUnscaled;
  const byColumn: Record<string, number> = {};
  const d: number[] = [];
  model.designColumns.forEach((c, j) => {
    const sc = model.scaling[c];
    byColumn[c] = Math.sqrt(s2 * C[j][j]) / (sc ? sc.std : 1);
    d.push((sc ? (0 - sc.mean) / sc.std : 0) - model.featureMeans[j]);
  });
  let q = 0;
  for (let i = 0; i < d.length; i++) for (let j = 0; j < d.length; j++) q += d[i] * C[i][j] * d[j];
  return { intercept: Math.sqrt(s2 * (1 / model.nTrain + q)), byColumn };
}

/** The active model row of a stage (null when none), for before/after comparisons. */
export async function activeModelRow(db: PipelineDb, stage = 'DEV'): Promise<Record<string, unknown> | null> {
  const rows = await db.query<Record<string, unknown>>('select stage, model_version, deployment_id, activated_at::varchar as activated_at from active_model where stage = $1', [stage]);
  return rows[0] ?? null;
}

/** The next value `run_id_seq` will hand out (the id of the next run). */
export async function nextRunId(db: PipelineDb): Promise<number> {
  const [{ last }] = await db.query<{ last: number | null }>("select last_value as last from duckdb_sequences() where sequence_name = 'run_id_seq'");
  return Number(last ?? 0) + 1;
}

/** Names of the tables and views of the main schema. */
export async function relationNames(db: PipelineDb): Promise<Set<string>> {
  const rows = await db.query<{ name: string }>("select table_name as name from information_schema.tables where table_schema = 'main'");
  return new Set(rows.map((r) => r.name));
}

/** |a − b| ≤ rel·max(|a|, |b|), with a message that shows both numbers. */
export function relClose(a: number, b: number, rel: number): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * `node bin/pipeline.mjs ...args` in a child process without blocking the event loop (the shared runCli is
 * synchronous), so several CLI runs can overlap. Same environment as runCli: PIPELINE_NO_LOG_FILE=1.
 */
export function runCliAsync(args: readonly string[], timeoutMs = 170_000): Promise<CliResult> {
  if (!args.includes('--db')) throw new Error('runCliAsync: pass --db pointing into a temp folder');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, PIPELINE_NO_LOG_FILE: '1' }, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
