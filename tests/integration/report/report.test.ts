/**
 * `pipeline report`: a real stage database (a training run, then a covariate-shift batch through the prediction
 * pipeline, which drifts and retrains), the report written by the CLI, checked as text (self-contained, sections,
 * charts) and as rendered by headless Chromium (DOM and a screenshot).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../../../src/config/load.ts';
import { openDatabase } from '../../../src/db/database.ts';
import { generate } from '../../../src/generate/generate.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runPredictionPipeline, type PredictionOutcome } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline, type TrainingOutcome } from '../../../src/pipelines/training.ts';
import { loadReportData, SCATTER_POINTS, type ReportData } from '../../../src/report/data.ts';
import { expectExit, removeDir, runCli, useTmpDir, withDb } from '../../support/helpers.ts';
import { pixelStats, readPng } from './png.ts';

const CHROMIUM = '/usr/bin/chromium';

/** The <svg> elements of a document, each as text. */
function svgsOf(html: string): string[] {
  return [...html.matchAll(/<svg\b[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

/** Data marks Vega drew with a real shape (not axes or legends): `<path d="M…">` or `<line>` inside `role-mark` groups. */
function markShapes(svg: string): number {
  let n = 0;
  for (const group of svg.split(/<g class="mark-(?:rect|symbol|line|rule|area) role-mark\b/).slice(1)) {
    const body = group.split('</g>')[0];
    n += (body.match(/<path [^>]*\bd="M[^"]+"/g) ?? []).length + (body.match(/<line /g) ?? []).length;
  }
  return n;
}

/** The rows of the table that follows `marker` in the document. */
function tableRowsAfter(html: string, marker: string): string[] {
  const start = html.indexOf(marker);
  expect(start, `marker ${marker}`).to.be.greaterThan(-1);
  const tbody = html.slice(html.indexOf('<tbody>', start), html.indexOf('</tbody>', start));
  return tbody.split('<tr').slice(1);
}

function chromium(args: string[], timeoutMs = 120_000): { stdout: string; stderr: string; code: number | null } {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'mlp-chromium-'));
  try {
    const res = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
    );
    if (res.error) throw res.error;
    return { stdout: res.stdout, stderr: res.stderr, code: res.status };
  } finally {
    removeDir(profile);
  }
}

describe('report: pipeline report', function () {
  this.timeout(300_000);
  const tmp = useTmpDir('mlp-report-');
  let config: Config;
  let dbPath: string;
  let training: TrainingOutcome;
  let prediction: PredictionOutcome;
  let reportFile: string;
  let html: string;

  before(async function () {
    this.timeout(300_000);
    config = loadConfig();
    const trainFile = path.join(tmp(), 'train.csv');
    const shiftFile = path.join(tmp(), 'shift.csv');
    await generate(config, { rows: 36500, seed: 11, scenario: 'baseline', out: trainFile, startDate: '2024-01-01', facilities: 100 });
    await generate(config, { rows: 36500, seed: 12, scenario: 'covariate-shift', out: shiftFile, startDate: '2025-01-01', facilities: 100 });
    dbPath = path.join(tmp(), 'report.duckdb');
    const db = await openDatabase(dbPath);
    try {
      await ingestFile(db, config, trainFile);
      training = await runTrainingPipeline(db, config, 'DEV');
      prediction = await runPredictionPipeline(db, config, 'DEV', { input: shiftFile });
    } finally {
      await db.close();
    }
    reportFile = path.join(tmp(), 'out', 'report.html');
    const res = expectExit(runCli(['report', '--db', dbPath, '--out', reportFile], { timeoutMs: 180_000 }), 0, 'pipeline report');
    expect(res.stdout).to.contain(reportFile);
    html = readFileSync(reportFile, 'utf8');
  });

  it('built the scenario the report is about: training, then a drifting batch that retrained', () => {
    expect(training.deployed).to.equal(true);
    expect(prediction.dataDrift).to.equal(true);
    expect(prediction.childRunIds).to.have.length(1);
  });

  it('writes one self-contained HTML file: no external references, no scripts', () => {
    expect(html.startsWith('<!DOCTYPE html>')).to.equal(true);
    expect(html).to.match(/<\/html>\s*$/);
    // No attribute loads anything from elsewhere (xmlns declarations are names, not loads).
    expect(html.match(/\b(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(?:https?:|\/\/|file:)/gi) ?? []).to.deep.equal([]);
    expect(html).not.to.match(/url\(\s*["']?\s*(?:https?:|\/\/)/i);
    expect(html).not.to.match(/@import/i);
    expect(html).not.to.match(/<(?:script|link|iframe|img|object|embed)\b/i);
    // Every in-page link points at an element of the page.
    for (const [, id] of html.matchAll(/href="#([^"]+)"/g)) expect(html, `#${id}`).to.contain(`id="${id}"`);
    // Chart ids are unique across the page (clip paths would otherwise clip the wrong chart).
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('has the run summary: the latest top-level run, its steps, its child run and drift decisions', () => {
    const runId = prediction.runId;
    expect(html).to.contain(`<section id="run"><h2>Run summary: run ${runId} (PREDICTION_PIPELINE)</h2>`);
    const steps = tableRowsAfter(html, '<h3>Steps</h3>');
    expect(steps.map((r) => /<td>([a-z_]+)<\/td>/.exec(r)?.[1])).to.include.members(['data_processing', 'data_drift_detection', 'model_prediction', 'model_drift_detection', 'serve_prediction']);
    expect(steps.every((r) => /\d+ ms|\d+\.\d\d s/.test(r))).to.equal(true);
    expect(steps.some((r) => r.includes('36,500'))).to.equal(true);
    const related = tableRowsAfter(html, '<h3>Parent and child runs</h3>');
    expect(related).to.have.length(1);
    expect(related[0]).to.contain(`>${prediction.childRunIds[0]}<`).and.to.contain('TRAINING_PIPELINE');
    const decisions = tableRowsAfter(html, '<h3>Drift decisions</h3>');
    expect(decisions[0]).to.contain('class="drifted"').and.to.contain('retrained_and_deployed');
  });

  it('has the active model and why it was deployed, from model_deployment_history', () => {
    expect(html).to.contain(`<section id="model"><h2>Active model: v${prediction.modelVersion}</h2>`);
    expect(html).to.match(/<div class="reason">deployed: [^<]+<\/div>/);
    expect(tableRowsAfter(html, '<h3>Deployment history</h3>')).to.have.length(2);
  });

  it('has the drift table with drifted rows highlighted, and a histogram per feature', () => {
    const rows = tableRowsAfter(html, '<section id="drift">');
    expect(rows).to.have.length(8); // 6 numeric (calendar terms are not tested) + 2 categorical
    const drifted = rows.filter((r) => r.startsWith(' class="drifted"'));
    expect(drifted.length).to.be.at.least(config.steps.data_drift_detection.dataset_drift_share * 8);
    for (const r of drifted) expect(r).to.contain('DRIFTED');
    for (const r of rows.filter((x) => !x.startsWith(' class="drifted"'))) expect(r).not.to.contain('DRIFTED');
    expect(html).to.contain('compared with the reference sample <code>reference_r1</code> of model v1');
    const svgs = svgsOf(html);
    const histograms = svgs.filter((s) => /aria-label="(?:Histogram|Level shares) of /.test(s));
    expect(histograms).to.have.length(8);
    for (const h of histograms) expect(markShapes(h), h.slice(0, 120)).to.be.greaterThan(2);
  });

  it('has the evaluation plots and the metrics history', () => {
    expect(html).to.contain(`<section id="evaluation"><h2>Evaluation: model v${prediction.modelVersion}</h2>`);
    const svgs = svgsOf(html);
    const scatter = svgs.find((s) => s.includes('aria-label="Predicted vs actual"'));
    expect(scatter, 'predicted vs actual').to.be.a('string');
    expect(markShapes(scatter!)).to.be.within(1000, SCATTER_POINTS + 10);
    for (const label of ['Residuals vs predicted', 'Residual distribution', 'Test RMSE per model version', 'Test R² per model version', 'Step durations']) {
      const svg = svgs.find((s) => s.includes(`aria-label="${label}"`));
      expect(svg, label).to.be.a('string');
      expect(markShapes(svg!), label).to.be.greaterThan(0);
    }
    const models = tableRowsAfter(html, '<section id="models">');
    expect(models).to.have.length(2);
    expect(models[0]).to.contain('class="active"').and.to.contain('>active<');
  });

  it('reads consistent numbers: histograms count every reference and batch row, the scatter is a sample', async () => {
    const data: ReportData = await withDb((db) => loadReportData(db, config, { stage: 'DEV' }), { path: dbPath, readOnly: true, migrate: false });
    expect(data.run.run_id).to.equal(prediction.runId);
    expect(data.drift?.runId).to.equal(prediction.runId);
    expect(data.drift?.referenceModel).to.equal(training.modelVersion);
    for (const f of data.drift!.features) {
      if (f.feature_kind === 'numeric') {
        const bins = data.drift!.numericBins.filter((b) => b.feature === f.feature);
        expect(bins.filter((b) => b.sample === 'reference').reduce((a, b) => a + b.n, 0), f.feature).to.equal(f.n_ref);
        expect(bins.filter((b) => b.sample === 'current').reduce((a, b) => a + b.n, 0), f.feature).to.equal(f.n_cur);
      } else {
        const levels = data.drift!.levelCounts.filter((l) => l.feature === f.feature);
        expect(levels.reduce((a, l) => a + l.n_ref, 0), f.feature).to.equal(f.n_ref);
        expect(levels.reduce((a, l) => a + l.n_cur, 0), f.feature).to.equal(f.n_cur);
      }
    }
    const ev = data.evaluation!;
    expect(ev.evaluation.run_id).to.equal(prediction.childRunIds[0]);
    expect(ev.points).to.have.length(Math.min(SCATTER_POINTS, ev.evaluation.n_test));
    expect(ev.residualBins.reduce((a, b) => a + b.n, 0)).to.equal(ev.evaluation.n_test);
    const rmse = Math.sqrt(ev.points.reduce((a, p) => a + p.residual ** 2, 0) / ev.points.length);
    expect(rmse).to.be.closeTo(ev.evaluation.new_rmse, ev.evaluation.new_rmse * 0.2);
  });

  it('draws the counts drift detection saved with its results, and says so for a run tested before they were saved', async () => {
    const stored = await withDb((db) => db.query<{ feature: string; n_ref: number; n_cur: number }>('select feature, n_ref, n_cur from data_drift_bins where run_id = $1', [prediction.runId]), { path: dbPath, readOnly: true, migrate: false });
    const data: ReportData = await withDb((db) => loadReportData(db, config, { stage: 'DEV' }), { path: dbPath, readOnly: true, migrate: false });
    const drawn = [...data.drift!.numericBins.map((b) => b.n), ...data.drift!.levelCounts.flatMap((l) => [l.n_ref, l.n_cur])].reduce((a, n) => a + n, 0);
    expect(drawn).to.equal(stored.reduce((a, r) => a + r.n_ref + r.n_cur, 0));
    expect(data.drift!.notes).to.deep.equal([]);
    // An older run: its results without saved counts. The report recounts nothing and says why.
    const older = path.join(tmp(), 'older.duckdb');
    copyFileSync(dbPath, older);
    await withDb((db) => db.exec('delete from data_drift_bins'), { path: older });
    const old: ReportData = await withDb((db) => loadReportData(db, config, { stage: 'DEV' }), { path: older, readOnly: true, migrate: false });
    expect(old.drift!.features).to.have.length(data.drift!.features.length);
    expect(old.drift!.numericBins).to.deep.equal([]);
    expect(old.drift!.levelCounts).to.deep.equal([]);
    expect(old.drift!.notes.join(' ')).to.match(/was tested before the histograms its drift tests counted were saved/);
  });

  it('reports a chosen training run (--run) and refuses an unknown one (exit 3)', () => {
    const out = path.join(tmp(), 'run1.html');
    expectExit(runCli(['report', '--db', dbPath, '--run', String(training.runId), '--out', out], { timeoutMs: 180_000 }), 0, 'report --run');
    const text = readFileSync(out, 'utf8');
    expect(text).to.contain(`Run summary: run ${training.runId} (TRAINING_PIPELINE)`);
    expect(text).to.contain(`Evaluation: model v${training.modelVersion}</h2>`);
    expect(text).to.contain(`the latest prediction run with drift results, run ${prediction.runId}`);
    const bad = runCli(['report', '--db', dbPath, '--run', '999', '--out', path.join(tmp(), 'none.html')]);
    expectExit(bad, 3, 'report --run 999');
    expect(bad.stderr).to.match(/run 999 does not exist/);
    expect(existsSync(path.join(tmp(), 'none.html'))).to.equal(false);
  });

  describe('rendered in headless Chromium', () => {
    before(function () {
      if (!existsSync(CHROMIUM)) {
        if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs the Debian package chromium`);
        this.skip();
      }
    });

    it('lays out every chart as SVG with drawn marks (--dump-dom)', () => {
      const res = chromium(['--dump-dom', pathToFileURL(reportFile).href]);
      expect(res.code, res.stderr).to.equal(0);
      const dom = res.stdout;
      for (const id of ['run', 'model', 'drift', 'evaluation', 'models']) expect(dom).to.contain(`<section id="${id}">`);
      const svgs = svgsOf(dom);
      expect(svgs.length).to.equal(svgsOf(html).length);
      expect(svgs.length).to.be.at.least(14);
      expect(svgs.filter((s) => markShapes(s) > 0)).to.have.length(svgs.length);
    });

    it('paints a page with the charts in their colours (--screenshot)', function () {
      const shot = path.join(tmp(), 'report.png');
      const res = chromium([`--screenshot=${shot}`, '--window-size=1280,4000', '--hide-scrollbars', pathToFileURL(reportFile).href]);
      expect(res.code, res.stderr).to.equal(0);
      expect(existsSync(shot), res.stderr).to.equal(true);
      expect(statSync(shot).size).to.be.greaterThan(100_000);
      const png = readPng(shot);
      expect([png.width, png.height]).to.deep.equal([1280, 4000]);
      const s = pixelStats(png);
      // Not a blank page: text, tables, and charts cover a good part of it, in many colours.
      expect(s.nonWhite / s.total, JSON.stringify(s)).to.be.greaterThan(0.15);
      expect(s.colours, JSON.stringify(s)).to.be.greaterThan(200);
      // The reference (blue) and current (orange) histograms, and the red of drifted rows, are painted.
      expect(s.blue, JSON.stringify(s)).to.be.greaterThan(10_000);
      expect(s.orange, JSON.stringify(s)).to.be.greaterThan(10_000);
      expect(s.red, JSON.stringify(s)).to.be.greaterThan(1_000);
    });
  });
});
