/**
 * The second example contract, config/examples/country_panel_nulls: a yearly panel (30 countries × 2000–2024, every
 * country every year in the files), NULLs in GDP and renewables, fossil_twh = coal + gas + oil. The walkthrough of
 * docs/bring-your-own-data.md, checked: GDP gaps are rejected at ingest (quarantined, counted), renewables gaps are
 * imputed; trained on 2000–2015; 2016–2019 is judged "no dataset drift" (renewables is flagged by its own test, but
 * the model barely uses it and it is not significant after adjustment); 2020–2024 with a coal boom is dataset drift by
 * the important-feature rule (coal carries ~40% of the prediction), retrained on, passes the gate, and the deployed
 * refit has learned the batch. On b57679b that batch was "no dataset drift": 3 of 8 features past the fixed distance
 * threshold, below the 0.5 share.
 *
 * The second suite runs the same files with GDP gaps imputed with the training mean (the example's policy before):
 * the panel stays balanced, but under the country fixed effect a panel-mean GDP is a huge within-country error, the
 * GDP coefficient collapses and coal (which grows with GDP) takes its effect; when coal alone jumps in 2020–2024 that
 * borrowed effect is extrapolated, and the gate rightly refuses the retrained model.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { parseConfig, PROJECT_ROOT, type Config } from '../../../src/config/load.ts';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { generate } from '../../../src/generate/generate.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runPredictionPipeline, type PredictionOutcome } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline, type TrainingOutcome } from '../../../src/pipelines/training.ts';
import { sha256File, useTmpDir } from '../../support/helpers.ts';
import { quietLogger } from './example.ts';

const DIR = path.join(PROJECT_ROOT, 'config/examples/country_panel_nulls');
const CONFIG = path.join(DIR, 'config.yaml');
const FILES = {
  history: { file: 'history_2000_2015.csv', rows: 480, seed: 42, scenario: 'baseline', startDate: '2000-01-01' },
  later: { file: 'batch_2016_2019.csv', rows: 120, seed: 42, scenario: 'baseline', startDate: '2016-01-01' },
  coal: { file: 'batch_2020_2024_coal_shift.csv', rows: 150, seed: 42, scenario: 'coal-shift', startDate: '2020-01-01' },
} as const;
/** The generator's true coefficients (synthetic/country_panel_nulls.yaml, baseline = coal-shift). */
const TRUTH = (YAML.parse(readFileSync(path.join(DIR, 'synthetic/country_panel_nulls.yaml'), 'utf8')) as { coefficients: { baseline: Record<string, number> } }).coefficients.baseline;

interface FeatureRow {
  feature: string;
  drifted: boolean;
  counted: boolean;
  used_by_model: boolean;
  importance: number;
  effect: number | null;
  p_value_adjusted: number | null;
}

/** The example config, optionally edited in its raw form (validated as if it were the example's config.yaml). */
function panelConfig(edit: (raw: Record<string, any>) => void = () => {}): Config {
  const raw = YAML.parse(readFileSync(CONFIG, 'utf8')) as Record<string, any>;
  edit(raw);
  return parseConfig(raw, CONFIG);
}

/** Trains on 2000–2015 and scores 2016–2019 and the 2020–2024 coal boom, as the walkthrough does. */
function walkthrough(prefix: string, config: () => Config) {
  const tmp = useTmpDir(prefix);
  const s = {} as { db: PipelineDb; trained: TrainingOutcome; later: PredictionOutcome; coal: PredictionOutcome };
  before(async () => {
    const cfg = config();
    s.db = await openDatabase(path.join(tmp(), 'panel.duckdb'), { threads: cfg.duckdb.threads });
    await ingestFile(s.db, cfg, path.join(DIR, 'data', FILES.history.file));
    s.trained = await runTrainingPipeline(s.db, cfg, 'DEV');
    s.later = await runPredictionPipeline(s.db, cfg, 'DEV', { input: path.join(DIR, 'data', FILES.later.file) });
    s.coal = await runPredictionPipeline(s.db, cfg, 'DEV', { input: path.join(DIR, 'data', FILES.coal.file) });
  });
  after(async () => {
    await s.db?.close();
  });
  const features = (runId: number) => s.db.query<FeatureRow>('select feature, drifted, counted, used_by_model, importance, effect, p_value_adjusted from data_drift_results where run_id = $1 order by feature', [runId]);
  const decision = async (runId: number) => (await s.db.query<{ drifted: boolean; rule: string; action: string; reason: string }>("select drifted, rule, action, reason from drift_decisions where run_id = $1 and kind = 'data'", [runId]))[0];
  /** A model's coefficient of a numeric feature in raw units. */
  const coefficient = async (version: number, feature: string) =>
    (await s.db.query<{ b: number }>("select (coefficients_original->'coefficients'->>$2)::double as b from models where model_version = $1", [version, feature]))[0].b;
  return { tmp, s, features, decision, coefficient };
}

describe('byod: a country panel with NULLs and a collinear column (config/examples/country_panel_nulls)', function () {
  this.timeout(120_000);
  quietLogger();
  let config: Config;
  const { tmp, s, features, decision, coefficient } = walkthrough('mlp-panel-', () => (config = panelConfig()));

  it('ships data files that the generator reproduces byte for byte, with NULLs and every country every year', async () => {
    for (const f of Object.values(FILES)) {
      const out = path.join(tmp(), f.file);
      await generate(config, { rows: f.rows, seed: f.seed, scenario: f.scenario, startDate: f.startDate, out });
      expect(sha256File(out), f.file).to.equal(sha256File(path.join(DIR, 'data', f.file)));
    }
    const [c] = await s.db.query<{ countries: number; years: number; rows: number; ren_nulls: number }>(
      'select count(distinct country) as countries, count(distinct year) as years, count(*) as rows, count(*) - count(renewables_twh) as ren_nulls from raw_data where batch_id = 1',
    );
    const [q] = await s.db.query<{ n: number; gdp: number }>("select count(*) as n, count(*) filter (where reasons::varchar like '%gdp_bn_usd%') as gdp from quarantine where batch_id = 1");
    // GDP gaps are rejected (missing: reject): quarantined with the reason, and the counts add up to the file's 480 rows.
    expect(q.n).to.be.greaterThan(10);
    expect(q.gdp).to.equal(q.n);
    expect(c).to.include({ countries: 30, years: 16, rows: 480 - q.n });
    // renewables gaps are imputed (nullable: true)
    expect(c.ren_nulls).to.be.greaterThan(30);
  });

  it('the model drops the collinear fossil_twh: it is tested and stored but does not count', async () => {
    const f = (await features(s.later.runId)).find((r) => r.feature === 'fossil_twh')!;
    expect(f).to.include({ used_by_model: false, counted: false, importance: 0, p_value_adjusted: null });
  });

  it('2016–2019: no dataset drift; a feature flag on renewables (which the model barely uses) is not the decision', async () => {
    expect(s.later.dataDrift).to.equal(false);
    expect(s.later.childRunIds).to.deep.equal([]);
    const d = await decision(s.later.runId);
    expect(d).to.include({ drifted: false, rule: 'none', action: 'none' });
    const rows = await features(s.later.runId);
    expect(rows.filter((r) => r.counted)).to.deep.equal([]);
    const ren = rows.find((r) => r.feature === 'renewables_twh')!;
    expect(ren).to.include({ drifted: true, counted: false });
    expect(ren.importance).to.be.below(0.02);
    expect(d.reason).to.match(/flagged by their own test .* renewables_twh/);
  });

  it('2020–2024 coal boom: dataset drift by the important-feature rule, retrained, deployed, and the deployed refit learned the batch', async () => {
    expect(s.coal.dataDrift).to.equal(true);
    const d = await decision(s.coal.runId);
    expect(d).to.include({ drifted: true, rule: 'important_feature', action: 'retrained_and_deployed' });
    expect(d.reason).to.match(/coal_twh carries \d+% of the prediction's spread/);
    const rows = await features(s.coal.runId);
    const c = rows.find((r) => r.feature === 'coal_twh')!;
    expect(c).to.include({ drifted: true, counted: true, used_by_model: true });
    expect(c.importance).to.be.above(0.3);
    expect(s.coal.childRunIds).to.have.length(1);
    // main's rule on the same numbers: W/sd (or JS) ≥ 0.1 in 3 of 8 features, share 0.375 < 0.5 — "no dataset drift".
    const past = rows.filter((r) => r.effect !== null && r.effect >= 0.1).length;
    expect(past / rows.length).to.be.below(0.5);
    // The gate compared the retrained model with the active one on the 2020–2024 rows (the time split's test rows),
    // then the model serving the batch is the refit on every labelled row, the coal boom included.
    const [served] = await s.db.query<{ model_version: number; n: number }>('select max(model_version) as model_version, count(*) as n from served_predictions where run_id = $1', [s.coal.runId]);
    const [m] = await s.db.query<{ refit_of: number | null; n_train: number; batches: string }>('select m.refit_of, m.n_train, t.batches::varchar as batches from models m join model_training_metadata t using (run_id) where m.model_version = $1', [served.model_version]);
    expect(m.refit_of).to.be.a('number');
    expect(JSON.parse(m.batches)).to.include(3);
    const [labelled] = await s.db.query<{ n: number }>('select count(*) as n from raw_data');
    expect(m.n_train).to.equal(labelled.n);
    // and it recovered the generator's coefficients (GDP gaps rejected, not imputed: see the suite below)
    expect(await coefficient(served.model_version, 'coal_twh')).to.be.closeTo(TRUTH.coal_twh, 0.01);
    expect(await coefficient(served.model_version, 'gdp_bn_usd')).to.be.closeTo(TRUTH.gdp_bn_usd, 0.005);
  });

  it('a batch in which renewables is NULL in every row: the feature is drift by its missing share (main: NULL statistic, n_ref 0, not drifted)', async () => {
    const file = path.join(tmp(), 'no_renewables_2025_2026.csv');
    await generate(config, { rows: 60, seed: 42, scenario: 'baseline', startDate: '2025-01-01', out: file });
    const [head, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
    const ren = head.split(',').indexOf('renewables_twh');
    writeFileSync(file, [head, ...lines.map((l) => l.split(',').map((v, i) => (i === ren ? '' : v)).join(','))].join('\n') + '\n');
    const out = await runPredictionPipeline(s.db, config, 'DEV', { input: file });
    const [row] = await s.db.query<{ statistic: number | null; n_ref: number; n_cur: number; missing_share_cur: number; missing_p_value: number; drifted: boolean; counted: boolean; signal: string }>(
      "select statistic, n_ref, n_cur, missing_share_cur, missing_p_value, drifted, counted, signal from data_drift_results where run_id = $1 and feature = 'renewables_twh'",
      [out.runId],
    );
    expect(row).to.include({ statistic: null, n_cur: 0, missing_share_cur: 1, drifted: true, counted: true, signal: 'missing_share' });
    expect(row.n_ref).to.be.greaterThan(400);
    expect(row.missing_p_value).to.be.below(1e-20);
    // every served row of it is flagged as imputed (the rows with a GDP gap were quarantined at ingest)
    const [served] = await s.db.query<{ n: number; flagged: number }>("select count(*) as n, count(*) filter (where list_contains(flags, 'imputed')) as flagged from served_predictions where run_id = $1", [out.runId]);
    expect(served.n).to.be.greaterThan(50);
    expect(served.flagged).to.equal(served.n);
  });

  it('a 12-row batch (below min_batch_rows 20): too few rows to judge, labelled but not retrained, served flagged drift_not_judged', async () => {
    const file = path.join(tmp(), 'tiny_2030.csv');
    await generate(config, { rows: 12, seed: 42, scenario: 'coal-shift', startDate: '2030-01-01', out: file });
    const models = (await s.db.query<{ n: number }>('select count(*) as n from models'))[0].n;
    const out = await runPredictionPipeline(s.db, config, 'DEV', { input: file });
    const d = await decision(out.runId);
    expect(d).to.include({ drifted: false, rule: 'too_few_rows', action: 'none' });
    expect((await features(out.runId)).filter((f) => f.counted)).to.deep.equal([]);
    const accepted = (await s.db.query<{ n: number }>('select rows_accepted as n from ingest_batches order by batch_id desc limit 1'))[0].n;
    expect(d.reason).to.match(new RegExp(`the batch has ${accepted} rows, fewer than steps\\.data_drift_detection\\.min_batch_rows \\(20\\)`));
    const [m] = await s.db.query<{ rule: string; drifted: boolean }>("select rule, drifted from drift_decisions where run_id = $1 and kind = 'model'", [out.runId]);
    expect(m).to.deep.equal({ rule: 'too_few_rows', drifted: false });
    expect(out.childRunIds).to.deep.equal([]);
    expect((await s.db.query<{ n: number }>('select count(*) as n from models'))[0].n).to.equal(models);
    expect(out.flags).to.include('drift_not_judged');
    const [served] = await s.db.query<{ n: number }>("select count(*) as n from served_predictions where run_id = $1 and list_contains(flags, 'drift_not_judged')", [out.runId]);
    expect(served.n).to.equal(accepted);
  });
});

describe('byod: the same panel with GDP gaps imputed with the training mean — the gate refuses the retrain, rightly', function () {
  this.timeout(120_000);
  quietLogger();
  const { s, features, decision, coefficient } = walkthrough('mlp-panel-mean-', () =>
    panelConfig((raw) => {
      const gdp = (raw.dataset.columns as Record<string, unknown>[]).find((c) => c.name === 'gdp_bn_usd')!;
      delete gdp.missing;
      gdp.nullable = true;
    }),
  );

  it('every row is kept, so country is balanced by design and left out of the share', async () => {
    const [c] = await s.db.query<{ rows: number; gdp_nulls: number }>('select count(*) as rows, count(*) - count(gdp_bn_usd) as gdp_nulls from raw_data where batch_id = 1');
    expect(c.rows).to.equal(480);
    expect(c.gdp_nulls).to.be.greaterThan(10);
    const [country] = await s.db.query<{ detail: string }>("select detail::varchar as detail from data_drift_results where run_id = $1 and feature = 'country'", [s.later.runId]);
    expect(JSON.parse(country.detail).role_note).to.match(/balanced by design/);
  });

  it('mean-imputed GDP under a country fixed effect: the GDP coefficient collapses and coal takes its effect', async () => {
    const active = s.trained.refit?.modelVersion ?? s.trained.modelVersion;
    expect(await coefficient(active, 'gdp_bn_usd')).to.be.below(TRUTH.gdp_bn_usd / 4);
    expect(await coefficient(active, 'coal_twh')).to.be.above(TRUTH.coal_twh + 0.015);
  });

  it('the coal boom is flagged by the important-feature rule and retrained on, but the retrained model is worse on 2020–2024 and refused', async () => {
    const d = await decision(s.coal.runId);
    expect(d).to.include({ drifted: true, rule: 'important_feature', action: 'retrained_not_deployed' });
    expect((await features(s.coal.runId)).find((r) => r.feature === 'coal_twh')).to.include({ drifted: true, counted: true });
    expect(s.coal.childRunIds).to.have.length(1);
    const [g] = await s.db.query<{ decision: string; reason: string }>('select decision, reason from model_deployment_history where run_id = $1', [s.coal.childRunIds[0]]);
    expect(g.decision).to.equal('rejected');
    expect(g.reason).to.match(/test RMSE [\d.]+ is worse than active v\d+'s [\d.]+ by more than 5\.0%/);
    // the batch is served by the model that was active before
    const [served] = await s.db.query<{ v: number }>('select max(model_version) as v from served_predictions where run_id = $1', [s.coal.runId]);
    expect(served.v).to.equal(s.trained.refit?.modelVersion ?? s.trained.modelVersion);
  });
});
