/**
 * Empirical coverage of the served 90% prediction intervals on later labelled data, by interval method:
 * normal theory, split-conformal, split-conformal per level of a categorical. Two datasets:
 * - synthetic: trained on one year (100 facilities, seed 1), scored on the next year (seed 7, baseline);
 * - config/examples/country_energy_co2: trained on the shipped 1990–2015 history (time split, refit), scored on a
 *   generated labelled 2016–2024 panel (baseline scenario, seed 43), where GDP and demand trend beyond training.
 * Retraining is off while scoring, so each figure is the trained model's. Prints a Markdown table.
 *
 *   node --import tsx bench/interval-coverage.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseConfig, DEFAULT_CONFIG_PATH, PROJECT_ROOT, type Config } from '../src/config/load.ts';
import { openDatabase, type PipelineDb } from '../src/db/database.ts';
import { generate } from '../src/generate/generate.ts';
import { ingestFile } from '../src/ingest/ingest.ts';
import { logger } from '../src/logger.ts';
import { runPredictionPipeline } from '../src/pipelines/prediction.ts';
import { runTrainingPipeline } from '../src/pipelines/training.ts';
import YAML from 'yaml';
import { readFileSync } from 'node:fs';

for (const t of logger.transports) t.level = 'error';

type Method = { interval_method: 'normal' | 'conformal'; conformal_group?: string; conformal_min_group_size?: number };

function withSteps(base: Record<string, any>, source: string, m: Method | null): Config {
  const raw = structuredClone(base);
  raw.steps.data_drift_detection.retrain_on_drift = false;
  raw.steps.model_drift_detection.retrain_on_drift = false;
  if (m) raw.steps.model_prediction = { ...raw.steps.model_prediction, ...m };
  return parseConfig(raw, source);
}

interface Row {
  dataset: string;
  method: string;
  test: string;
  served: string;
  flagged: string;
}

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

async function measure(dataset: string, db: PipelineDb, configs: [string, Config][], batch: string, target: string, runId: number): Promise<Row[]> {
  const [e] = await db.query<{ normal_coverage: number; conformal_coverage: number; interval_choice: string; n_test: number }>(
    'select normal_coverage, conformal_coverage, interval_choice, n_test from model_evaluation_metadata where run_id = $1',
    [runId],
  );
  const rows: Row[] = [];
  for (const [label, config] of configs) {
    const out = await runPredictionPipeline(db, config, 'DEV', { input: batch });
    const [c] = await db.query<{ n: number; cov: number; nf: number; covf: number | null }>(
      `select count(*) as n, avg((r.${target} between s.prediction_lower and s.prediction_upper)::integer) as cov,
              count(*) filter (where len(list_filter(s.flags, f -> f in ('unseen_level', 'out_of_range', 'imputed', 'high_leverage'))) > 0) as nf,
              avg((r.${target} between s.prediction_lower and s.prediction_upper)::integer) filter (where len(list_filter(s.flags, f -> f in ('unseen_level', 'out_of_range', 'imputed', 'high_leverage'))) > 0) as covf
       from served_predictions s join raw_data r on r.batch_id = s.batch_id and r.source_row = s.source_row
       where s.run_id = $1 and r.${target} is not null`,
      [out.runId],
    );
    const test = label.startsWith('normal') ? e.normal_coverage : label === 'auto' ? (e.interval_choice === 'normal' ? e.normal_coverage : e.conformal_coverage) : e.conformal_coverage;
    rows.push({
      dataset,
      method: label === 'auto' ? `auto (→ ${e.interval_choice})` : label,
      test: `${pct(test)} of ${e.n_test}`,
      served: `${pct(c.cov)} of ${c.n}`,
      flagged: c.nf ? `${pct(c.covf)} of ${c.nf}` : '–',
    });
  }
  return rows;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlp-coverage-'));
  const rows: Row[] = [];
  try {
    // Synthetic
    const base = YAML.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Record<string, any>;
    const cfg = loadConfig(DEFAULT_CONFIG_PATH);
    const train = path.join(dir, 'syn-train.csv');
    const next = path.join(dir, 'syn-next.csv');
    await generate(cfg, { rows: 36_500, seed: 1, scenario: 'baseline', startDate: '2024-01-01', facilities: 100, out: train });
    await generate(cfg, { rows: 36_500, seed: 7, scenario: 'baseline', startDate: '2025-01-01', facilities: 100, out: next });
    let db = await openDatabase(path.join(dir, 'syn.duckdb'));
    await ingestFile(db, cfg, train);
    let t = await runTrainingPipeline(db, withSteps(base, DEFAULT_CONFIG_PATH, null), 'DEV');
    rows.push(
      ...(await measure('synthetic (next year)', db, [
        ['auto', withSteps(base, DEFAULT_CONFIG_PATH, null)],
        ['normal', withSteps(base, DEFAULT_CONFIG_PATH, { interval_method: 'normal' })],
        ['conformal', withSteps(base, DEFAULT_CONFIG_PATH, { interval_method: 'conformal' })],
      ], next, 'co2_tonnes', t.runId)),
    );
    await db.close();

    // Country panel
    const exampleDir = path.join(PROJECT_ROOT, 'config/examples/country_energy_co2');
    const exampleYaml = path.join(exampleDir, 'config.yaml');
    const ebase = YAML.parse(readFileSync(exampleYaml, 'utf8')) as Record<string, any>;
    const ecfg = loadConfig(exampleYaml);
    const later = path.join(dir, 'country-2016-2024.csv');
    await generate(ecfg, { rows: 9 * 60, seed: 43, scenario: 'baseline', startDate: '2016-01-01', out: later });
    db = await openDatabase(path.join(dir, 'country.duckdb'));
    await ingestFile(db, ecfg, path.join(exampleDir, 'data/history_1990_2015.csv'));
    // Calibrated by continent too (levels with ≥ 30 test rows), so both conformal variants can serve.
    const byContinent: Method = { interval_method: 'conformal', conformal_group: 'continent', conformal_min_group_size: 30 };
    t = await runTrainingPipeline(db, withSteps(ebase, exampleYaml, { ...byContinent, interval_method: 'normal' }), 'DEV');
    const evalRun = t.refit?.runId ?? t.runId;
    rows.push(
      ...(await measure('country panel (2016–2024)', db, [
        ['auto', withSteps(ebase, exampleYaml, null)],
        ['normal', withSteps(ebase, exampleYaml, { interval_method: 'normal' })],
        ['conformal', withSteps(ebase, exampleYaml, { interval_method: 'conformal' })],
        ['conformal by continent (≥ 30 test rows a level)', withSteps(ebase, exampleYaml, byContinent)],
      ], later, 'co2_mt', evalRun)),
    );
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('| dataset | interval | test rows (evaluation) | served later rows | served rows flagged unreliable |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.dataset} | ${r.method} | ${r.test} | ${r.served} | ${r.flagged} |`);
}

await main();
