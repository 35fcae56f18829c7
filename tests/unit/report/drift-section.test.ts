import { expect } from 'chai';
import type { DriftDecisionRow, FeatureDriftRow, ReportData } from '../../../src/report/data.ts';
import { renderReportHtml } from '../../../src/report/html.ts';

/**
 * The report's drift section shows two verdicts per feature — its own test (flagged) and what the dataset decision
 * made of it (DRIFTED) — beside the decision and its rule, so a feature flag under a "no drift" decision reads as
 * what it is rather than as a contradiction (on b57679b a red "DRIFTED" row sat under "no dataset drift").
 */
const feature = (over: Partial<FeatureDriftRow>): FeatureDriftRow => ({
  feature: 'x',
  feature_kind: 'numeric',
  method: 'ks',
  statistic: 0.1,
  p_value: 0.5,
  threshold: 0.05,
  n_ref: 1000,
  n_cur: 200,
  drifted: false,
  detail: null,
  effect_method: 'wasserstein',
  effect: 0.05,
  effect_threshold: 0.1,
  missing_share_ref: 0,
  missing_share_cur: 0,
  missing_p_value: null,
  p_value_adjusted: 1,
  importance: 0.1,
  used_by_model: true,
  counted: false,
  signal: null,
  ...over,
});

function report(decision: DriftDecisionRow, features: FeatureDriftRow[]): ReportData {
  const now = new Date('2026-01-01T00:00:00Z');
  return {
    generatedAt: now,
    dbPath: '/tmp/x.duckdb',
    stage: 'DEV',
    run: { run_id: 2, pipeline_type: 'PREDICTION_PIPELINE', stage: 'DEV', status: 'succeeded', started_at: now, ended_at: now, duration_ms: 10, error: null, parent_run_id: null, trigger_reason: null, batch_id: 2, model_version: 1, config_hash: null, source_file: null, batch_rows: 200, batch_rows_labelled: 0 },
    steps: [],
    related: [],
    decisions: [decision],
    modelDrift: [],
    retrained: [],
    activeModel: null,
    deployments: [],
    drift: { runId: 2, batchId: 2, referenceModel: 1, referenceTable: 'reference_r1', features, decision, numericBins: [], levelCounts: [], notes: [] },
    evaluation: null,
    models: [],
  };
}

const decision = (over: Partial<DriftDecisionRow>): DriftDecisionRow => ({
  kind: 'data',
  drifted: false,
  rule: 'none',
  decision_level: 0.025,
  n_tests: 2,
  n_drifted: 0,
  share_drifted: 0,
  threshold: 0.5,
  action: 'none',
  reason: 'no dataset drift: 0 of 2 features the model uses drifted at the decision level 0.025',
  child_run_id: null,
  decided_at: new Date('2026-01-01T00:00:00Z'),
  ...over,
});

const driftSection = (html: string) => html.slice(html.indexOf('<section id="drift">'), html.indexOf('</section>', html.indexOf('<section id="drift">')));

describe('report: drift section verdicts', () => {
  it('a feature flagged by its own test under a "no drift" decision is amber "flagged", not red "DRIFTED"', async () => {
    const html = driftSection(await renderReportHtml(report(decision({}), [feature({ feature: 'fuel', drifted: true, p_value: 0.03, p_value_adjusted: 0.06, effect: 0.3, signal: 'distribution' }), feature({ feature: 'temp' })])));
    expect(html).to.contain('<b>Dataset decision:</b> <span class="badge good">no drift</span> by rule <code>none</code>');
    expect(html).to.contain('<div class="reason">no dataset drift: 0 of 2 features');
    const rows = html.split('<tr').slice(2);
    const fuel = rows.find((r) => r.includes('<b>fuel</b>'))!;
    expect(fuel.startsWith(' class="flagged"')).to.equal(true);
    expect(fuel).to.contain('<span class="badge warn">flagged</span>').and.not.to.contain('DRIFTED');
    expect(fuel).to.contain('W/sd 0.3');
    expect(html).not.to.contain('class="drifted"');
  });

  it('a counted feature is red "DRIFTED" under a drift decision with its rule; too few rows reads as such', async () => {
    const html = driftSection(
      await renderReportHtml(report(decision({ drifted: true, rule: 'important_feature', n_drifted: 1 }), [feature({ feature: 'coal', drifted: true, counted: true, p_value: 1e-12, p_value_adjusted: 2e-12, effect: 0.8, importance: 0.45, signal: 'distribution' }), feature({ feature: 'country', feature_kind: 'categorical', used_by_model: false })])),
    );
    expect(html).to.contain('<span class="badge bad">drift</span> by rule <code>important_feature</code>');
    const coal = html.split('<tr').find((r) => r.includes('<b>coal</b>'))!;
    expect(coal.startsWith(' class="drifted"')).to.equal(true);
    expect(coal).to.contain('DRIFTED').and.to.contain('45.0%');
    expect(html.split('<tr').find((r) => r.includes('<b>country</b>'))).to.contain('not used');
    const few = driftSection(await renderReportHtml(report(decision({ rule: 'too_few_rows', reason: 'too few rows to judge data drift: the batch has 8 rows' }), [feature({})])));
    expect(few).to.contain('too few rows to judge</span>');
  });
});
