import { expect } from 'chai';
import MLR from 'ml-regression-multivariate-linear';
import {
  fitOls,
  predictionHalfWidth,
  predictOls,
  studentTQuantile,
  sufficientStatsFromRows,
  type OlsFit,
} from '../../../src/stats/ols.ts';
import { expectClose, expectStat, ref } from './fixture.ts';

const ols = ref.ols;
const names: string[] = ols.featureNames;
const X: number[][] = ols.X;
const y: number[] = ols.y;

function expectVector(actual: number[], expected: number[], rel: number, label: string): void {
  expect(actual).to.have.length(expected.length);
  actual.forEach((a, i) => expectClose(a, expected[i], rel, 1e-12, `${label}[${i}]`));
}

function expectMatrix(actual: number[][], expected: number[][], rel: number, label: string): void {
  expect(actual).to.have.length(expected.length);
  actual.forEach((row, i) => expectVector(row, expected[i], rel, `${label}[${i}]`));
}

interface LinearRef {
  intercept: number;
  coefficients: number[];
  rss: number;
  r2: number;
  rmse: number;
  dofResidual: number;
  residualVariance: number;
  featureMeans: number[];
  covUnscaled: number[][];
  predictionHalfWidths: { x0: number[]; level: number; halfWidth: number }[];
}

function expectMatchesLinear(fit: OlsFit, lin: LinearRef, rel = 1e-9): void {
  expectClose(fit.intercept, lin.intercept, rel, 0, 'intercept');
  expectVector(fit.coefficients, lin.coefficients, rel, 'coef');
  expectClose(fit.rss, lin.rss, rel, 0, 'rss');
  expectClose(fit.r2, lin.r2, rel, 0, 'r2');
  expectClose(fit.rmse, lin.rmse, rel, 0, 'rmse');
  expectClose(fit.residualVariance, lin.residualVariance, rel, 0, 'residualVariance');
  expect(fit.dofResidual).to.equal(lin.dofResidual);
  expectVector(fit.featureMeans, lin.featureMeans, 1e-12, 'means');
  expectMatrix(fit.covUnscaled, lin.covUnscaled, rel, 'covUnscaled');
}

describe('stats/ols: least squares from sufficient statistics', () => {
  const stats = sufficientStatsFromRows(names, X, y);
  const fit = fitOls(stats);

  it('matches ml-regression-multivariate-linear on the same data to 1e-9 relative', () => {
    const mlr = new MLR(X, y.map((v) => [v]), { intercept: true, statistics: false });
    const w = mlr.weights.map((r) => r[0]); // p coefficients, then the intercept
    expectVector(fit.coefficients, w.slice(0, names.length), 1e-9, 'coef vs MLR');
    expectClose(fit.intercept, w[names.length], 1e-9, 0, 'intercept vs MLR');
  });

  it('matches scikit-learn LinearRegression (coefficients, RSS, R², RMSE, covariance)', () => {
    expect(fit.featureNames).to.deep.equal(names);
    expect(fit.droppedFeatures).to.deep.equal([]);
    expect(fit.n).to.equal(X.length);
    expect(fit.ridgeLambda).to.equal(0);
    expectMatchesLinear(fit, ols.linear);
  });

  it('prediction half-widths match the statsmodels-style (1, x0)ᵀ(X1ᵀX1)⁻¹(1, x0) formula', () => {
    const widths: LinearRef['predictionHalfWidths'] = ols.linear.predictionHalfWidths;
    expect(widths.length).to.equal(12);
    for (const w of widths) {
      expectStat(predictionHalfWidth(fit, w.x0, w.level), w.halfWidth, `halfWidth level=${w.level}`);
    }
  });

  it('predictOls reproduces the fitted values', () => {
    const mlr = new MLR(X, y.map((v) => [v]));
    for (const row of X.slice(0, 5)) expectClose(predictOls(fit, row), mlr.predict(row)[0], 1e-10, 1e-12, 'prediction');
  });

  it('drops a constant, a duplicated and a linearly dependent feature with reasons; the rest matches the reference', () => {
    const deg = ols.degenerate;
    const degFit = fitOls(sufficientStatsFromRows(deg.featureNames, deg.X, y));
    expect(degFit.featureNames).to.deep.equal(deg.expectedKept);
    expect(degFit.droppedFeatures.map((d) => d.name)).to.deep.equal(deg.expectedDropped);
    const reasons = Object.fromEntries(degFit.droppedFeatures.map((d) => [d.name, d.reason]));
    expect(reasons.const).to.match(/^constant/);
    expect(reasons.x1_copy).to.match(/^collinear with x1 \(/);
    expect(reasons.x1_plus_2x3).to.match(/^collinear with x1, x3 \(/);
    for (const c of degFit.coefficients) expect(Number.isFinite(c)).to.equal(true);
    expectMatchesLinear(degFit, ols.linear);
    for (const w of ols.linear.predictionHalfWidths) {
      expectStat(predictionHalfWidth(degFit, w.x0, w.level), w.halfWidth, 'halfWidth after drops');
    }
  });

  it('ridge matches the numpy closed form on standardized features (== sklearn StandardScaler + Ridge)', () => {
    for (const rr of ols.ridge) {
      const rf = fitOls(stats, { ridgeLambda: rr.lambda });
      expect(rf.ridgeLambda).to.equal(rr.lambda);
      expectClose(rf.intercept, rr.intercept, 1e-9, 0, `ridge ${rr.lambda} intercept`);
      expectVector(rf.coefficients, rr.coefficients, 1e-9, `ridge ${rr.lambda} coef`);
      expectClose(rf.rss, rr.rss, 1e-9, 0, `ridge ${rr.lambda} rss`);
      expectClose(rf.r2, rr.r2, 1e-9, 0, `ridge ${rr.lambda} r2`);
      expectMatrix(rf.covUnscaled, rr.covUnscaled, 1e-9, `ridge ${rr.lambda} cov`);
      for (const w of rr.predictionHalfWidths) {
        expectStat(predictionHalfWidth(rf, w.x0, w.level), w.halfWidth, `ridge ${rr.lambda} halfWidth`);
      }
      // Shrinkage: on the standardized scale the penalised coefficients are shorter than OLS's.
      const sd = names.map((_, j) => Math.sqrt((stats.sumXX[j][j] - stats.sumX[j] ** 2 / stats.n) / stats.n));
      const norm = (v: number[]) => Math.hypot(...v.map((c, j) => c * sd[j]));
      expect(norm(rf.coefficients)).to.be.lessThan(norm(fit.coefficients));
    }
  });

  it('handles a feature with a large offset (calendar year) to 1e-9 against sklearn', () => {
    const off = ols.offset;
    const offFit = fitOls(sufficientStatsFromRows(off.featureNames, off.X, off.y));
    expectMatchesLinear(offFit, off.linear);
  });

  it('throws when there are not more rows than kept features + 1', () => {
    const few = sufficientStatsFromRows(names, X.slice(0, 5), y.slice(0, 5));
    expect(() => fitOls(few)).to.throw(Error, /not enough rows: n = 5/);
    // With a constant dropped, 6 rows are enough for 4 kept features.
    const deg = ols.degenerate;
    expect(() => fitOls(sufficientStatsFromRows(deg.featureNames, deg.X.slice(0, 6), y.slice(0, 6)))).not.to.throw();
  });

  it('falls back to an intercept-only model when every feature is dropped', () => {
    const f = fitOls(sufficientStatsFromRows(['c'], X.map(() => [3]), y));
    expect(f.featureNames).to.deep.equal([]);
    expect(f.coefficients).to.deep.equal([]);
    expectClose(f.intercept, y.reduce((a, b) => a + b, 0) / y.length, 1e-12, 0, 'mean');
    expect(f.r2).to.be.closeTo(0, 1e-12);
    expect(f.dofResidual).to.equal(y.length - 1);
  });

  it('rejects malformed input and points of the wrong length', () => {
    expect(() => fitOls({ ...stats, sumX: stats.sumX.slice(1) })).to.throw(RangeError);
    expect(() => fitOls({ ...stats, sumY: Number.NaN })).to.throw(RangeError);
    expect(() => fitOls(stats, { ridgeLambda: -1 })).to.throw(RangeError);
    expect(() => predictionHalfWidth(fit, [1, 2, 3], 0.95)).to.throw(RangeError);
    expect(() => predictionHalfWidth(fit, [1, 2, 3, 4], 1)).to.throw(RangeError);
  });
});

describe('stats/ols: studentTQuantile vs mpmath and scipy.stats.t.ppf', () => {
  const cases: { p: number; dof: number; value: number; scipy: number }[] = ref.tQuantiles;
  it(`matches ${cases.length} exact (mpmath, 50 digits) quantiles to 1e-12 relative, incl. dof = 1e6 and dof = 4.5`, () => {
    expect(cases.length).to.be.greaterThan(100);
    for (const c of cases) {
      expectClose(studentTQuantile(c.p, c.dof), c.value, 1e-12, 1e-15, `t.ppf(${c.p}, ${c.dof})`);
    }
  });

  it('agrees with scipy.stats.t.ppf within scipy 1.10 accuracy (cephes stdtrit, ~5e-9 relative)', () => {
    for (const c of cases) {
      expectClose(studentTQuantile(c.p, c.dof), c.scipy, 1e-8, 1e-15, `scipy t.ppf(${c.p}, ${c.dof})`);
    }
  });

  it('handles the edges', () => {
    expect(studentTQuantile(0.5, 7)).to.equal(0);
    expect(studentTQuantile(1, 7)).to.equal(Infinity);
    expect(studentTQuantile(0, 7)).to.equal(-Infinity);
    expect(() => studentTQuantile(0.5, 0)).to.throw(RangeError);
    expect(() => studentTQuantile(1.5, 3)).to.throw(RangeError);
  });
});
