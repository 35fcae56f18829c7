import {
  COLORS,
  categoricalSpec,
  metricHistorySpec,
  modelStatus,
  numericHistogramSpec,
  predictedVsActualSpec,
  renderSvg,
  residualHistogramSpec,
  residualScatterSpec,
  stepDurationSpec,
} from './charts.ts';
import { DRIFT_HISTOGRAM_BINS } from '../steps/drift-bins.ts';
import { type ActiveModelRow, type DriftDecisionRow, type DriftSection, type EffectColumns, type EvaluationSection, type FeatureDriftRow, type ReportData, type RunRow } from './data.ts';
import { esc, fmtDuration, fmtInt, fmtNum, fmtPct, fmtText, fmtTime } from './format.ts';
import type { DiffSide, ModelDiff } from '../inspect/model-diff.ts';
import type { Metrics } from '../steps/model-evaluation.ts';

const CSS = `
:root { --fg:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f7f8fa; --card:#fff; --accent:${COLORS.reference};
  --bad:${COLORS.drifted}; --bad-bg:#fdecea; --good:${COLORS.ok}; --good-bg:#e8f5e9; --warn-bg:#fff4e5; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif; color:var(--fg); background:var(--bg); }
header { background:#111827; color:#f9fafb; padding:20px 32px 14px; }
header h1 { margin:0 0 4px; font-size:22px; font-weight:650; }
header .sub { color:#cbd5e1; font-size:13px; }
header nav { margin-top:10px; display:flex; gap:18px; flex-wrap:wrap; }
header nav a { color:#93c5fd; text-decoration:none; font-size:13px; }
header nav a:hover { text-decoration:underline; }
main { max-width:1240px; margin:0 auto; padding:8px 32px 40px; }
section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:18px 22px 20px; margin:20px 0; }
h2 { margin:0 0 12px; font-size:18px; font-weight:650; }
h3 { margin:22px 0 8px; font-size:14px; font-weight:650; color:#374151; text-transform:uppercase; letter-spacing:.03em; }
p { margin:6px 0; }
.muted { color:var(--muted); }
.nw { white-space:nowrap; }
.note { background:var(--warn-bg); border-left:3px solid ${COLORS.current}; padding:6px 10px; margin:8px 0; font-size:13px; }
.kv { display:grid; grid-template-columns:repeat(auto-fill,minmax(190px,1fr)); gap:10px; margin:4px 0 8px; }
.kv div { background:var(--bg); border:1px solid var(--line); border-radius:8px; padding:8px 10px; }
.kv b { display:block; font-size:11px; font-weight:600; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
.kv span { font-size:15px; font-variant-numeric:tabular-nums; word-break:break-word; }
table { border-collapse:collapse; width:100%; font-size:13px; margin:4px 0 8px; }
th, td { padding:6px 10px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { background:#f3f4f6; font-weight:600; color:#374151; white-space:nowrap; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tbody tr:hover { background:#fafafa; }
tr.drifted td { background:var(--bad-bg); color:#7f1d1d; }
tr.drifted td:first-child { border-left:3px solid var(--bad); }
tr.active td { background:var(--good-bg); }
.badge { display:inline-block; white-space:nowrap; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; background:#e5e7eb; color:#374151; }
.badge.bad { background:var(--bad-bg); color:var(--bad); }
.badge.good { background:var(--good-bg); color:var(--good); }
.badge.info { background:#e8f0fb; color:${COLORS.deployed}; }
.badge.warn { background:var(--warn-bg); color:#92400e; }
tr.flagged td { background:var(--warn-bg); }
.wide { overflow-x:auto; }
.charts { display:flex; flex-wrap:wrap; gap:14px; align-items:flex-start; }
.chart { background:#fff; border:1px solid var(--line); border-radius:8px; padding:8px; }
.chart.drifted { border-color:var(--bad); box-shadow:0 0 0 1px var(--bad) inset; }
svg { max-width:100%; height:auto; display:block; }
.reason { font-size:15px; background:var(--bg); border-left:3px solid var(--accent); padding:8px 12px; margin:6px 0 10px; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:10px 0 30px; }
`;

function badge(text: string, kind: 'bad' | 'good' | 'info' | 'warn' | '' = ''): string {
  return `<span class="badge ${kind}">${esc(text)}</span>`;
}

function statusBadge(status: string): string {
  return badge(status, status === 'succeeded' ? 'good' : status === 'failed' || status === 'aborted' ? 'bad' : 'info');
}

function decisionBadge(decision: string | null): string {
  if (!decision) return '—';
  return badge(decision, decision === 'rejected' ? 'bad' : decision === 'deployed' ? 'good' : 'info');
}

function kv(items: [string, string][]): string {
  return `<div class="kv">${items.map(([k, v]) => `<div><b>${esc(k)}</b><span>${v}</span></div>`).join('')}</div>`;
}

interface Column<T> {
  head: string;
  num?: boolean;
  cell: (row: T) => string;
}

function table<T>(rows: T[], cols: Column<T>[], rowClass?: (row: T) => string): string {
  const head = cols.map((c) => `<th${c.num ? ' class="num"' : ''}>${esc(c.head)}</th>`).join('');
  const body = rows
    .map((r) => {
      const cls = rowClass?.(r);
      return `<tr${cls ? ` class="${cls}"` : ''}>${cols.map((c) => `<td${c.num ? ' class="num"' : ''}>${c.cell(r)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function chart(svg: string, drifted = false): string {
  return `<figure class="chart${drifted ? ' drifted' : ''}" style="margin:0">${svg}</figure>`;
}

/** A decision's verdict: drift, no drift, or too few rows to judge. */
function decisionVerdict(x: Pick<DriftDecisionRow, 'drifted' | 'rule'>): string {
  if (x.rule === 'too_few_rows') return badge('too few rows to judge', 'info');
  return x.drifted ? badge('drift', 'bad') : badge('no drift', 'good');
}

/** An effect size against its floor, e.g. "W/sd 0.61 ≥ 0.1". */
function effectCell(x: EffectColumns): string {
  if (x.effect === null || x.effect_threshold === null) return x.effect_threshold === null ? '—' : `— (floor ${fmtNum(x.effect_threshold)})`;
  const name = x.effect_method === 'wasserstein' ? 'W/sd' : x.effect_method === 'jensen_shannon' ? 'JS' : x.effect_method === 'psi' ? 'PSI' : (x.effect_method ?? '');
  return `${esc(name)} ${fmtNum(x.effect)} ${x.effect >= x.effect_threshold ? '≥' : '<'} ${fmtNum(x.effect_threshold)}`;
}

function runLabel(run: Pick<RunRow, 'run_id' | 'pipeline_type'>): string {
  return `run ${run.run_id} (${run.pipeline_type})`;
}

async function runSection(d: ReportData): Promise<string> {
  const r = d.run;
  const parts: string[] = [];
  parts.push(
    kv([
      ['Run', `#${r.run_id}`],
      ['Type', esc(r.pipeline_type)],
      ['Status', statusBadge(r.status)],
      ['Stage', esc(r.stage)],
      ['Started', fmtTime(r.started_at)],
      ['Ended', fmtTime(r.ended_at)],
      ['Duration', fmtDuration(r.duration_ms)],
      ['Model version', r.model_version === null ? '—' : `v${r.model_version}`],
      ['Batch', r.batch_id === null ? '—' : `#${r.batch_id}${r.batch_rows !== null ? ` · ${fmtInt(r.batch_rows)} rows (${fmtInt(r.batch_rows_labelled)} labelled)` : ''}`],
      ['Config hash', fmtText(r.config_hash)],
    ]),
  );
  if (r.source_file) parts.push(`<p class="muted">Batch file: <code>${esc(r.source_file)}</code></p>`);
  if (r.parent_run_id !== null) parts.push(`<p>Started by run ${r.parent_run_id}: ${fmtText(r.trigger_reason)}</p>`);
  if (r.error) parts.push(`<p class="note"><b>Error:</b> ${esc(r.error)}</p>`);

  parts.push('<h3>Steps</h3>');
  if (d.steps.length) {
    parts.push(
      table(
        d.steps,
        [
          { head: '#', num: true, cell: (s) => String(s.step_order) },
          { head: 'Step', cell: (s) => esc(s.step_name) },
          { head: 'Status', cell: (s) => statusBadge(s.status) },
          { head: 'Duration', num: true, cell: (s) => fmtDuration(s.duration_ms) },
          { head: 'Rows in', num: true, cell: (s) => fmtInt(s.rows_in) },
          { head: 'Rows out', num: true, cell: (s) => fmtInt(s.rows_out) },
          { head: 'Message', cell: (s) => fmtText(s.message) },
        ],
        (s) => (s.status === 'failed' ? 'drifted' : ''),
      ),
    );
    parts.push(`<div class="charts">${chart(await renderSvg(stepDurationSpec(d.steps), 'Step durations'))}</div>`);
  } else parts.push('<p class="muted">No step was recorded for this run.</p>');

  parts.push('<h3>Parent and child runs</h3>');
  if (d.related.length) {
    parts.push(
      table(d.related, [
        { head: 'Relation', cell: (x) => esc(x.relation) },
        { head: 'Run', num: true, cell: (x) => String(x.run_id) },
        { head: 'Type', cell: (x) => esc(x.pipeline_type) },
        { head: 'Status', cell: (x) => statusBadge(x.status) },
        { head: 'Started', cell: (x) => fmtTime(x.started_at) },
        { head: 'Model', cell: (x) => (x.model_version === null ? '—' : `v${x.model_version}`) },
        { head: 'Trigger', cell: (x) => fmtText(x.trigger_reason) },
      ]),
    );
  } else parts.push('<p class="muted">This run has no parent and started no child run.</p>');

  if (d.decisions.length) {
    parts.push('<h3>Drift decisions</h3>');
    parts.push(
      table(
        d.decisions,
        [
          { head: 'Kind', cell: (x) => esc(x.kind) },
          { head: 'Drifted', cell: (x) => decisionVerdict(x) },
          { head: 'Rule', cell: (x) => (x.rule ? `<code>${esc(x.rule)}</code>` : '—') },
          { head: 'Tests drifted', num: true, cell: (x) => `${fmtInt(x.n_drifted)} / ${fmtInt(x.n_tests)}` },
          { head: 'Share', num: true, cell: (x) => fmtPct(x.share_drifted) },
          { head: 'Threshold', num: true, cell: (x) => fmtNum(x.threshold) },
          { head: 'Action', cell: (x) => esc(x.action) },
          { head: 'Reason', cell: (x) => esc(x.reason) },
        ],
        (x) => (x.drifted ? 'drifted' : ''),
      ),
    );
  }
  if (d.modelDrift.length) {
    parts.push('<h3>Model drift tests</h3>');
    parts.push(
      table(
        d.modelDrift,
        [
          { head: 'Test', cell: (x) => esc(x.test) },
          { head: 'Method', cell: (x) => esc(x.method) },
          { head: 'Statistic', num: true, cell: (x) => fmtNum(x.statistic) },
          { head: 'p-value', num: true, cell: (x) => fmtNum(x.p_value) },
          { head: 'p threshold', num: true, cell: (x) => fmtNum(x.threshold) },
          { head: 'Effect', num: true, cell: (x) => effectCell(x) },
          { head: 'n ref', num: true, cell: (x) => fmtInt(x.n_ref) },
          { head: 'n cur', num: true, cell: (x) => fmtInt(x.n_cur) },
          { head: 'Drifted', cell: (x) => (x.judged === false ? badge('too few rows') : x.drifted ? badge('yes', 'bad') : 'no') },
        ],
        (x) => (x.drifted ? 'drifted' : ''),
      ),
    );
  }
  return `<section id="run"><h2>Run summary: ${esc(runLabel(r))}</h2>\n${parts.join('\n')}</section>`;
}

type MetricSet = Partial<Record<'rmse' | 'mae' | 'mape' | 'r2' | 'bias', number | null>>;

function evidenceTable(evidence: string | null): string {
  if (!evidence) return '';
  let parsed: { new?: MetricSet; active?: MetricSet | null; active_model_version?: number | null; rmse_limit?: number; thresholds?: Record<string, unknown> };
  try {
    parsed = JSON.parse(evidence) as typeof parsed;
  } catch {
    return `<pre>${esc(evidence)}</pre>`;
  }
  if (!parsed || typeof parsed !== 'object' || !parsed.new) return `<pre>${esc(JSON.stringify(parsed, null, 2))}</pre>`;
  const metrics: [keyof MetricSet, string][] = [
    ['rmse', 'Test RMSE'],
    ['mae', 'Test MAE'],
    ['mape', 'Test MAPE (%)'],
    ['r2', 'Test R²'],
    ['bias', 'Bias'],
  ];
  const rows = metrics.map(([k, label]) => ({ label, nw: parsed.new?.[k] ?? null, act: parsed.active?.[k] ?? null }));
  const activeHead = parsed.active_model_version ? `Then-active v${parsed.active_model_version}` : 'Then-active model';
  let out = table(rows, [
    { head: 'Evidence', cell: (x) => esc(x.label) },
    { head: 'New model', num: true, cell: (x) => fmtNum(x.nw) },
    { head: activeHead, num: true, cell: (x) => fmtNum(x.act) },
  ]);
  const extra: string[] = [];
  if (parsed.rmse_limit !== undefined) extra.push(`RMSE limit ${fmtNum(parsed.rmse_limit)}`);
  for (const [k, v] of Object.entries(parsed.thresholds ?? {})) if (v !== null && v !== undefined) extra.push(`${esc(k)} = ${esc(v)}`);
  if (extra.length) out += `<p class="muted">Gate thresholds: ${extra.join(' · ')}</p>`;
  return out;
}

function modelSection(d: ReportData): string {
  const a: ActiveModelRow | null = d.activeModel;
  const parts: string[] = [];
  if (!a) {
    parts.push(`<p class="note">No model is active on ${esc(d.stage)}.</p>`);
  } else {
    parts.push(
      kv([
        ['Active version', `v${a.model_version}`],
        ['Stage', esc(a.stage)],
        ['Activated', fmtTime(a.activated_at)],
        ['Training run', `#${a.training_run_id}`],
        ['Algorithm', esc(a.algorithm)],
        ['Training rows', fmtInt(a.n_train)],
        ['Decision', decisionBadge(a.decision)],
      ]),
    );
    parts.push(`<p><b>Why it was deployed</b></p><div class="reason">${fmtText(a.reason)}</div>`);
    parts.push(evidenceTable(a.evidence));
  }
  if (d.deployments.length) {
    parts.push('<h3>Deployment history</h3>');
    parts.push(
      table(
        d.deployments,
        [
          { head: 'ID', num: true, cell: (x) => String(x.deployment_id) },
          { head: 'Model', cell: (x) => `v${x.model_version}` },
          { head: 'Run', num: true, cell: (x) => (x.run_id === null ? '—' : String(x.run_id)) },
          { head: 'Decision', cell: (x) => decisionBadge(x.decision) },
          { head: 'Decided', cell: (x) => fmtTime(x.decided_at) },
          { head: 'Served from', cell: (x) => fmtTime(x.start_at) },
          { head: 'Served until', cell: (x) => (x.start_at && !x.end_at ? badge('now', 'good') : fmtTime(x.end_at)) },
          { head: 'Reason', cell: (x) => esc(x.reason) },
        ],
        (x) => (a && x.deployment_id === a.deployment_id ? 'active' : ''),
      ),
    );
  }
  return `<section id="model"><h2>Active model${a ? `: v${a.model_version}` : ''}</h2>\n${parts.join('\n')}</section>`;
}

async function driftSection(d: ReportData): Promise<string> {
  const s: DriftSection | null = d.drift;
  if (!s) {
    return '<section id="drift"><h2>Data drift</h2><p class="muted">No prediction run has data-drift results yet.</p></section>';
  }
  const parts: string[] = [];
  const whose = s.runId === d.run.run_id ? 'this run' : s.runId === d.run.parent_run_id ? `the parent run ${s.runId}` : `the latest prediction run with drift results, run ${s.runId}`;
  parts.push(
    `<p>Results of ${esc(whose)}: batch ${s.batchId === null ? '—' : `#${s.batchId}`} compared with the reference sample ` +
      `${s.referenceTable ? `<code>${esc(s.referenceTable)}</code>` : '—'} of model ${s.referenceModel === null ? '—' : `v${s.referenceModel}`} (the model active when the run started).</p>`,
  );
  const nFlagged = s.features.filter((f) => f.drifted).length;
  const nCounted = s.features.filter((f) => f.counted).length;
  const dec = s.decision;
  parts.push(
    `<p><b>Dataset decision:</b> ${dec ? `${decisionVerdict(dec)}${dec.rule ? ` by rule <code>${esc(dec.rule)}</code>` : ''}` : '—'} · ` +
      `<b>${nCounted}</b> of ${s.features.length} features drifted at the decision's level · ${nFlagged} flagged by their own test</p>`,
  );
  if (dec) parts.push(`<div class="reason">${fmtText(dec.reason)}</div>`);
  parts.push(
    `<p class="muted">Two verdicts per feature. <b>Own test</b>: the feature's p-value below its threshold and its effect size at or above its floor ` +
      `(or a significant rise of its missing share) — ${badge('flagged', 'warn')}. <b>Decision</b>: the same, for a feature the model uses, still ` +
      `significant after adjusting for every feature tested (Holm${dec?.decision_level ? ` at ${fmtNum(dec.decision_level)}` : ''}) — ${badge('DRIFTED', 'bad')}. ` +
      `A flag alone does not make dataset drift; the decision fires when a feature carrying a large share of the prediction drifts, or a large share of the features do.</p>`,
  );
  parts.push(
    `<div class="wide">${table(
      s.features,
      [
        { head: 'Feature', cell: (f) => `<b>${esc(f.feature)}</b> <span class="muted">${esc(f.feature_kind)}</span>` },
        { head: 'Share of prediction', num: true, cell: (f) => (f.used_by_model === false ? 'not used' : fmtPct(f.importance)) },
        { head: 'Test', cell: (f) => `${esc(f.method)} ${fmtNum(f.statistic)}` },
        { head: 'p-value', num: true, cell: (f) => (f.p_value === null ? '—' : `${fmtNum(f.p_value)} ${f.p_value < f.threshold ? '<' : '≥'} ${fmtNum(f.threshold)}`) },
        { head: 'Adjusted p', num: true, cell: (f) => fmtNum(f.p_value_adjusted) },
        { head: 'Effect', num: true, cell: (f) => effectCell(f) },
        { head: 'Missing', num: true, cell: (f) => (f.missing_share_ref === null ? '—' : `${fmtPct(f.missing_share_ref)} → ${fmtPct(f.missing_share_cur)}`) },
        { head: 'n ref / batch', num: true, cell: (f) => `${fmtInt(f.n_ref)} / ${fmtInt(f.n_cur)}` },
        { head: 'Own test', cell: (f) => (f.drifted ? badge(f.signal === 'missing_share' ? 'flagged: missing' : 'flagged', 'warn') : 'no') },
        { head: 'Decision', cell: (f) => (f.counted ? badge('DRIFTED', 'bad') : f.used_by_model === false ? 'not counted' : 'no') },
      ],
      (f) => (f.counted ? 'drifted' : f.drifted ? 'flagged' : ''),
    )}</div>`,
  );
  for (const n of s.notes) parts.push(`<p class="note">${esc(n)}</p>`);
  const drifted = new Map<string, FeatureDriftRow>(s.features.map((f) => [f.feature, f]));
  const charts: string[] = [];
  const numericNames = [...new Set(s.numericBins.map((b) => b.feature))];
  // Features the decision counted first, in the table's order.
  const order = s.features.map((f) => f.feature);
  const byTableOrder = (a: string, b: string) => order.indexOf(a) - order.indexOf(b);
  for (const name of numericNames.sort(byTableOrder)) {
    const isDrifted = Boolean(drifted.get(name)?.counted);
    const svg = await renderSvg(numericHistogramSpec(name, s.numericBins.filter((b) => b.feature === name), isDrifted), `Histogram of ${name}: reference vs current`);
    charts.push(chart(svg, isDrifted));
  }
  const catNames = [...new Set(s.levelCounts.map((l) => l.feature))];
  for (const name of catNames.sort(byTableOrder)) {
    const isDrifted = Boolean(drifted.get(name)?.counted);
    const svg = await renderSvg(categoricalSpec(name, s.levelCounts.filter((l) => l.feature === name), isDrifted), `Level shares of ${name}: reference vs current`);
    charts.push(chart(svg, isDrifted));
  }
  if (charts.length) {
    parts.push('<h3>Reference vs current distributions</h3>');
    parts.push(
      `<p class="muted">Shares of each sample the drift tests compared (the reference sample and the batch's tested sample, as counted at detection) per bin (numeric: ${DRIFT_HISTOGRAM_BINS} equal-width bins over the pooled 0.1–99.9% range, outliers counted in the end bins) or per level. ` +
        `<span style="color:${COLORS.reference}">■ reference</span> <span style="color:${COLORS.current}">■ current batch</span></p>`,
    );
    parts.push(`<div class="charts">${charts.join('\n')}</div>`);
  }
  return `<section id="drift"><h2>Data drift</h2>\n${parts.join('\n')}</section>`;
}

async function evaluationSection(d: ReportData): Promise<string> {
  const s: EvaluationSection | null = d.evaluation;
  if (!s) return '<section id="evaluation"><h2>Evaluation</h2><p class="muted">No evaluation to show: no training run was evaluated.</p></section>';
  const e = s.evaluation;
  const parts: string[] = [];
  parts.push(`<p>Shown: ${esc(s.why)}, on ${fmtInt(e.n_test)} test rows (<code>${esc(e.predictions_table)}</code>).</p>`);
  const rows: { label: string; nw: number | null; act: number | null }[] = [
    { label: 'RMSE', nw: e.new_rmse, act: e.active_rmse },
    { label: 'MAE', nw: e.new_mae, act: e.active_mae },
    { label: 'MAPE (%)', nw: e.new_mape, act: e.active_mape },
    { label: 'R²', nw: e.new_r2, act: e.active_r2 },
    { label: 'Bias', nw: e.new_bias, act: e.active_bias },
  ];
  parts.push(
    table(rows, [
      { head: 'Metric (test rows)', cell: (x) => esc(x.label) },
      { head: `Model v${e.model_version}`, num: true, cell: (x) => fmtNum(x.nw) },
      { head: e.active_model_version === null ? 'Then-active model (none)' : `Then-active v${e.active_model_version}`, num: true, cell: (x) => fmtNum(x.act) },
    ]),
  );
  for (const n of s.notes) parts.push(`<p class="note">${esc(n)}</p>`);
  const charts: string[] = [];
  if (s.points.length) {
    charts.push(chart(await renderSvg(predictedVsActualSpec(s.points), 'Predicted vs actual')));
    charts.push(chart(await renderSvg(residualScatterSpec(s.points), 'Residuals vs predicted')));
  }
  if (s.residualBins.length) charts.push(chart(await renderSvg(residualHistogramSpec(s.residualBins), 'Residual distribution')));
  if (charts.length) parts.push(`<div class="charts">${charts.join('\n')}</div>`);
  return `<section id="evaluation"><h2>Evaluation: model v${e.model_version}</h2>\n${parts.join('\n')}</section>`;
}

async function modelsSection(d: ReportData): Promise<string> {
  const parts: string[] = [];
  if (!d.models.length) return '<section id="models"><h2>Model versions</h2><p class="muted">No model has been trained yet.</p></section>';
  const withMetrics = d.models.filter((m) => m.test_rmse !== null);
  if (withMetrics.length) {
    parts.push(
      `<div class="charts">${chart(await renderSvg(metricHistorySpec(d.models, 'test_rmse', 'Test RMSE'), 'Test RMSE per model version'))}` +
        `${chart(await renderSvg(metricHistorySpec(d.models, 'test_r2', 'Test R²'), 'Test R² per model version'))}</div>`,
    );
  }
  parts.push(
    table(
      [...d.models].reverse(),
      [
        { head: 'Version', cell: (m) => `<b>v${m.model_version}</b>` },
        { head: 'Status', cell: (m) => { const st = modelStatus(m); return badge(st, st === 'active' ? 'good' : st === 'rejected' ? 'bad' : 'info'); } },
        { head: 'Run', num: true, cell: (m) => String(m.run_id) },
        { head: 'Created', cell: (m) => fmtTime(m.created_at) },
        { head: 'Train rows', num: true, cell: (m) => fmtInt(m.n_train) },
        { head: 'Train RMSE', num: true, cell: (m) => fmtNum(m.rmse_train) },
        { head: 'Test RMSE', num: true, cell: (m) => fmtNum(m.test_rmse) },
        { head: 'Test MAE', num: true, cell: (m) => fmtNum(m.test_mae) },
        { head: 'Test R²', num: true, cell: (m) => fmtNum(m.test_r2) },
        { head: 'Compared with', cell: (m) => (m.compared_with === null ? '—' : `v${m.compared_with} (RMSE ${fmtNum(m.compared_rmse)})`) },
        { head: 'Last decision', cell: (m) => fmtText(m.last_reason) },
      ],
      (m) => (m.is_active ? 'active' : m.last_decision === 'rejected' ? 'drifted' : ''),
    ),
  );
  return `<section id="models"><h2>Model versions</h2>\n${parts.join('\n')}</section>`;
}

const signedNum = (v: number | null): string => (v === null ? '—' : `${v > 0 ? '+' : ''}${fmtNum(v)}`);

/** One model diff: training data side by side, both models' metrics on the same rows, coefficients, the trigger. */
function diffBlock(d: ModelDiff): string {
  const A = `v${d.a.model_version}`;
  const B = `v${d.b.model_version}`;
  const by = (s: DiffSide) => (s.source ? `promotion run ${s.source.run_id} (from ${s.source.stage} v${s.source.model_version})` : `run ${s.run_id}`);
  const batches = (s: DiffSide) => (s.source ? `${s.source.stage} ${s.source.batches.map((b) => b.batch_id).join(', ')}` : s.batches.join(', '));
  type Row = { what: string; a: string; b: string };
  const training: Row[] = [
    { what: 'Trained by', a: by(d.a), b: by(d.b) },
    { what: 'Rows used', a: fmtInt(d.a.n_rows ?? d.a.n_train), b: fmtInt(d.b.n_rows ?? d.b.n_train) },
    { what: 'Window', a: `${d.a.window_from ?? '—'} … ${d.a.window_to ?? '—'}`, b: `${d.b.window_from ?? '—'} … ${d.b.window_to ?? '—'}` },
    { what: 'Train period', a: `${d.a.train_min_time ?? '—'} … ${d.a.train_max_time ?? '—'}`, b: `${d.b.train_min_time ?? '—'} … ${d.b.train_max_time ?? '—'}` },
    { what: 'Batches', a: batches(d.a) || '—', b: batches(d.b) || '—' },
  ];
  const parts = [`<h3>${esc(A)} → ${esc(B)}</h3>`, table(training, [{ head: '', cell: (r) => `<b>${esc(r.what)}</b>` }, { head: A, cell: (r) => esc(r.a) }, { head: B, cell: (r) => esc(r.b) }])];
  const m = d.metrics;
  if (m.a && m.b) {
    const ma = m.a;
    const mb = m.b;
    const metric = (name: string, k: keyof Metrics) => ({ name, a: ma[k], b: mb[k] });
    parts.push(`<p>Metrics on the same rows: ${esc(m.rows)}.</p>`);
    parts.push(
      table([metric('RMSE', 'rmse'), metric('MAE', 'mae'), metric('MAPE %', 'mape'), metric('R²', 'r2'), metric('Bias', 'bias')], [
        { head: 'Metric', cell: (r) => esc(r.name) },
        { head: A, num: true, cell: (r) => fmtNum(r.a) },
        { head: B, num: true, cell: (r) => fmtNum(r.b) },
        { head: 'Change', num: true, cell: (r) => signedNum(r.a === null || r.b === null ? null : r.b - r.a) },
      ]),
    );
  } else parts.push(`<p class="muted">${esc(m.rows)}.</p>`);
  for (const t of d.trigger) {
    parts.push(`<p><b>What triggered ${esc(B)}</b>: ${esc(t.kind)} drift in prediction run ${t.run_id} — ${t.n_drifted} of ${t.n_tests} tests drifted; action ${badge(t.action, 'info')}</p><div class="reason">${esc(t.reason)}</div>`);
  }
  parts.push(`<details><summary>Coefficients in raw units (${d.coefficients.length} terms)</summary>`);
  parts.push(
    table(d.coefficients, [
      { head: 'Term', cell: (c) => esc(c.term) },
      { head: A, num: true, cell: (c) => fmtNum(c.a) },
      { head: B, num: true, cell: (c) => fmtNum(c.b) },
      { head: 'Change', num: true, cell: (c) => signedNum(c.change) },
      { head: 'Change %', num: true, cell: (c) => (c.relative_change === null ? '—' : `${c.relative_change > 0 ? '+' : ''}${(c.relative_change * 100).toFixed(1).replace('-', '−')}%`) },
    ]),
    '</details>',
  );
  return parts.join('\n');
}

/** "What changed": present when the run, or a retraining it started, trained a model against an active one. */
function changesSection(d: ReportData): string {
  if (!d.retrained.length) return '';
  return `<section id="changes"><h2>What changed</h2>\n<p class="muted">Each model this run trained, beside the model it was gated against (<code>pipeline models diff A B</code> prints the same).</p>\n${d.retrained.map(diffBlock).join('\n')}</section>`;
}

/** The whole report as one self-contained HTML document: inline CSS, charts as inline SVG, no script, no external reference. */
export async function renderReportHtml(d: ReportData): Promise<string> {
  const sections = [await runSection(d), modelSection(d), await driftSection(d), changesSection(d), await evaluationSection(d), await modelsSection(d)].filter(Boolean);
  const title = `Pipeline report — ${d.stage} — run ${d.run.run_id}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>ml-pipeline report</h1>
<div class="sub">Stage <b>${esc(d.stage)}</b> · ${esc(runLabel(d.run))} · database <code>${esc(d.dbPath)}</code> · generated ${fmtTime(d.generatedAt)}</div>
<nav><a href="#run">Run summary</a><a href="#model">Active model</a><a href="#drift">Data drift</a>${d.retrained.length ? '<a href="#changes">What changed</a>' : ''}<a href="#evaluation">Evaluation</a><a href="#models">Model versions</a></nav>
</header>
<main>
${sections.join('\n')}
</main>
<footer>Made by <code>pipeline report</code> from the stage database, read-only. Every number here can be queried with <code>pipeline sql</code>.</footer>
</body>
</html>
`;
}
