import type * as vl from 'vega-lite';
import type { EvalPoint, HistogramBin, LevelCount, ModelHistoryRow, ResidualBin, StepRow } from './data.ts';

/** Colours of the report, shared with its CSS. */
export const COLORS = {
  reference: '#4c78a8',
  current: '#f58518',
  drifted: '#c62828',
  ok: '#2e7d32',
  neutral: '#6b7280',
  active: '#2e7d32',
  deployed: '#4c78a8',
  rejected: '#c62828',
  other: '#9ca3af',
} as const;

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';

/**
 * vega and vega-lite, loaded when a report renders. They are ES modules only (vega waits at the top level of a
 * module), so bin/pipeline.mjs leaves them out of the command's CommonJS bundle and lends it an importer: code
 * run from V8's code cache cannot call `import()` itself.
 */
async function loadVega(): Promise<[typeof import('vega'), typeof import('vega-lite')]> {
  const importer = (globalThis as { __pipelineImport?: (specifier: string) => Promise<unknown> }).__pipelineImport;
  if (importer) return (await Promise.all([importer('vega'), importer('vega-lite')])) as [typeof import('vega'), typeof import('vega-lite')];
  return Promise.all([import('vega'), import('vega-lite')]);
}

const BASE_CONFIG: vl.TopLevelSpec['config'] = {
  font: FONT,
  view: { stroke: '#e5e7eb' },
  axis: { labelColor: '#374151', titleColor: '#374151', gridColor: '#eef0f3', labelFontSize: 10, titleFontSize: 11, titleFontWeight: 500 },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'top' },
  title: { fontSize: 13, fontWeight: 600, anchor: 'start', color: '#111827' },
};

let chartCounter = 0;

/**
 * Renders a Vega-Lite spec to an SVG string in Node (no canvas, no network: the data are inline values).
 * Element ids (clip paths, gradients) get a per-chart prefix, so many charts can share one HTML page.
 */
export async function renderSvg(spec: vl.TopLevelSpec, label: string): Promise<string> {
  const [vega, vl] = await loadVega();
  const compiled = vl.compile({ ...spec, config: { ...BASE_CONFIG, ...spec.config } }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const prefix = `c${++chartCounter}-`;
    return svg
      .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}${id}"`)
      .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}${id})`)
      .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}${id}"`)
      .replace(/^<svg /, `<svg role="img" aria-label="${escapeAttr(label)}" `);
  } finally {
    view.finalize();
  }
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

const sampleColor = {
  field: 'sample',
  type: 'nominal',
  title: null,
  scale: { domain: ['reference', 'current'], range: [COLORS.reference, COLORS.current] },
} as const;

/** Horizontal bars: how long each step of the run took. */
export function stepDurationSpec(steps: StepRow[]): vl.TopLevelSpec {
  return {
    width: 520,
    height: { step: 20 },
    data: { values: steps.map((s) => ({ step: `${s.step_order}. ${s.step_name}`, seconds: (s.duration_ms ?? 0) / 1000, status: s.status })) },
    mark: { type: 'bar', cornerRadiusEnd: 2 },
    encoding: {
      y: { field: 'step', type: 'nominal', sort: null, title: null, axis: { labelLimit: 260 } },
      x: { field: 'seconds', type: 'quantitative', title: 'duration (s)' },
      color: {
        field: 'status',
        type: 'nominal',
        title: null,
        scale: { domain: ['succeeded', 'failed', 'running', 'aborted'], range: [COLORS.deployed, COLORS.drifted, COLORS.current, COLORS.other] },
      },
      tooltip: [{ field: 'step' }, { field: 'seconds', format: '.2f' }],
    },
  };
}

/** Reference vs current histogram of one numeric feature, as shares of each sample (so different sizes compare). */
export function numericHistogramSpec(feature: string, bins: HistogramBin[], drifted: boolean): vl.TopLevelSpec {
  const totals = new Map<string, number>();
  for (const b of bins) totals.set(b.sample, (totals.get(b.sample) ?? 0) + b.n);
  return {
    title: { text: feature, color: drifted ? COLORS.drifted : '#111827', subtitle: drifted ? 'drifted' : 'no drift', subtitleColor: drifted ? COLORS.drifted : COLORS.neutral },
    width: 270,
    height: 150,
    data: { values: bins.map((b) => ({ sample: b.sample, start: b.bin_start, end: b.bin_end, share: b.n / (totals.get(b.sample) || 1) })) },
    mark: { type: 'bar', opacity: 0.55, binSpacing: 0 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: null, scale: { zero: false, nice: false }, axis: { tickCount: 5, format: ',~r' } },
      x2: { field: 'end' },
      y: { field: 'share', type: 'quantitative', title: 'share', stack: null, axis: { format: '.0%', tickCount: 4 } },
      y2: { datum: 0 },
      color: sampleColor,
    },
  };
}

/** Reference vs current share of every level of one categorical feature. */
export function categoricalSpec(feature: string, levels: LevelCount[], drifted: boolean): vl.TopLevelSpec {
  const nRef = levels.reduce((a, l) => a + l.n_ref, 0) || 1;
  const nCur = levels.reduce((a, l) => a + l.n_cur, 0) || 1;
  const values = levels.flatMap((l) => [
    { level: l.level, sample: 'reference', share: l.n_ref / nRef },
    { level: l.level, sample: 'current', share: l.n_cur / nCur },
  ]);
  return {
    title: { text: feature, color: drifted ? COLORS.drifted : '#111827', subtitle: drifted ? 'drifted' : 'no drift', subtitleColor: drifted ? COLORS.drifted : COLORS.neutral },
    width: 270,
    height: { step: 7 },
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'level', type: 'nominal', title: null, sort: null, axis: { labelLimit: 140 } },
      yOffset: { field: 'sample', type: 'nominal', sort: ['reference', 'current'] },
      x: { field: 'share', type: 'quantitative', title: 'share', axis: { format: '.0%', tickCount: 4 } },
      color: sampleColor,
    },
  };
}

/** The scatter layer of the evaluation charts: the sampled test rows as small translucent circles. */
function pointsLayer(points: EvalPoint[], color: string, encoding: { x: Record<string, unknown>; y: Record<string, unknown> }) {
  return { data: { values: points }, mark: { type: 'circle' as const, size: 12, opacity: 0.45, color }, encoding };
}

/** Predicted vs actual on the sampled test rows, with the y = x line. */
export function predictedVsActualSpec(points: EvalPoint[]): vl.TopLevelSpec {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p.actual, p.prediction);
    hi = Math.max(hi, p.actual, p.prediction);
  }
  const domain = [lo, hi];
  return {
    title: { text: 'Predicted vs actual', subtitle: `${points.length.toLocaleString('en-US')} test rows; line: y = x` },
    width: 260,
    height: 260,
    layer: [
      pointsLayer(points, COLORS.reference, {
        x: { field: 'actual', type: 'quantitative', title: 'actual', scale: { domain, nice: false } },
        y: { field: 'prediction', type: 'quantitative', title: 'predicted', scale: { domain, nice: false } },
      }),
      {
        data: { values: [{ x: lo, y: lo }, { x: hi, y: hi }] },
        mark: { type: 'line', color: COLORS.drifted, strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
    ],
  };
}

/** Residual (actual − predicted) against the prediction, with the zero line. */
export function residualScatterSpec(points: EvalPoint[]): vl.TopLevelSpec {
  return {
    title: { text: 'Residuals vs predicted', subtitle: 'actual − predicted' },
    width: 260,
    height: 260,
    layer: [
      pointsLayer(points, COLORS.current, {
        x: { field: 'prediction', type: 'quantitative', title: 'predicted', scale: { zero: false } },
        y: { field: 'residual', type: 'quantitative', title: 'residual' },
      }),
      { data: { values: [{ y: 0 }] }, mark: { type: 'rule', color: COLORS.neutral, strokeDash: [5, 4] }, encoding: { y: { field: 'y', type: 'quantitative' } } },
    ],
  };
}

/** Histogram of every test residual. */
export function residualHistogramSpec(bins: ResidualBin[]): vl.TopLevelSpec {
  const n = bins.reduce((a, b) => a + b.n, 0);
  return {
    title: { text: 'Residual distribution', subtitle: `all ${n.toLocaleString('en-US')} test rows` },
    width: 260,
    height: 260,
    data: { values: bins.map((b) => ({ start: b.bin_start, end: b.bin_end, n: b.n })) },
    mark: { type: 'bar', color: COLORS.current, opacity: 0.8, binSpacing: 0 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: 'residual', scale: { zero: false, nice: false } },
      x2: { field: 'end' },
      y: { field: 'n', type: 'quantitative', title: 'rows' },
      y2: { datum: 0 },
    },
  };
}

/** The status of a model version, as the metrics-history charts colour it. */
export function modelStatus(m: Pick<ModelHistoryRow, 'is_active' | 'last_decision' | 'ever_deployed'>): string {
  if (m.is_active) return 'active';
  if (m.last_decision === 'rejected') return 'rejected';
  if (m.ever_deployed) return 'deployed before';
  if (m.last_decision === 'blocked_by_pin') return 'not deployed (pinned)';
  return m.last_decision ?? 'no decision';
}

/** One metric (test RMSE or R²) per model version, points coloured by deployment status. */
export function metricHistorySpec(models: ModelHistoryRow[], metric: 'test_rmse' | 'test_r2', title: string): vl.TopLevelSpec {
  const values = models
    .filter((m) => m[metric] !== null)
    .map((m) => ({ version: `v${m.model_version}`, order: m.model_version, value: m[metric], status: modelStatus(m) }));
  return {
    title: { text: title },
    width: 420,
    height: 220,
    data: { values },
    encoding: {
      x: { field: 'version', type: 'ordinal', sort: { field: 'order' }, title: 'model version', axis: { labelAngle: 0 } },
      y: { field: 'value', type: 'quantitative', title, scale: { zero: false } },
    },
    layer: [
      { mark: { type: 'line', color: COLORS.other, strokeWidth: 1.5 } },
      {
        mark: { type: 'point', filled: true, size: 90, opacity: 1 },
        encoding: {
          color: {
            field: 'status',
            type: 'nominal',
            title: null,
            scale: {
              domain: ['active', 'deployed before', 'rejected', 'not deployed (pinned)', 'no decision'],
              range: [COLORS.active, COLORS.deployed, COLORS.rejected, COLORS.neutral, COLORS.other],
            },
          },
          tooltip: [{ field: 'version' }, { field: 'value', format: '.4f' }, { field: 'status' }],
        },
      },
    ],
  };
}
