/**
 * Ordinary least squares (optionally ridge) with an intercept, solved from sufficient
 * statistics so the caller can gather them in one SQL aggregate over any number of rows.
 */

import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { studentTQuantile } from './student-t.ts';

export { studentTQuantile } from './student-t.ts';

/** Sums over the n training rows; x is the feature vector, y the target. */
export interface SufficientStats {
  n: number;
  featureNames: string[];
  /** Σ x_j, length p. */
  sumX: number[];
  sumY: number;
  /** p×p, Σ x_i x_j. */
  sumXX: number[][];
  /** Σ x_j y, length p. */
  sumXY: number[];
  sumYY: number;
}

export interface OlsOptions {
  /**
   * Ridge penalty λ ≥ 0 (default 0). It penalises the coefficients of the standardized
   * features z_j = (x_j − x̄_j)/σ_j with population SD σ_j (like scikit-learn's
   * `Ridge(alpha=λ)` after `StandardScaler`), never the intercept, and the target is not scaled.
   */
  ridgeLambda?: number;
  /**
   * Default 1e-10. A feature is dropped as constant when its centred sum of squares is at most
   * this fraction of Σx², and as collinear when 1 − R² of its regression on the features kept
   * before it is at most this value.
   */
  collinearityTolerance?: number;
}

export interface OlsFit {
  /** Kept features, in input order. */
  featureNames: string[];
  /** Constant or (near-)collinear features that were removed, with the reason. */
  droppedFeatures: { name: string; reason: string }[];
  intercept: number;
  /** Coefficients of the kept features. */
  coefficients: number[];
  n: number;
  /** n − p_kept − 1. */
  dofResidual: number;
  /** RSS / dofResidual. */
  residualVariance: number;
  rss: number;
  r2: number;
  /** sqrt(RSS / n). */
  rmse: number;
  /** x̄ of the kept features. */
  featureMeans: number[];
  /**
   * (Sxx)⁻¹ for the centred cross-product matrix of the kept features, so the prediction
   * variance at x0 is residualVariance · (1 + 1/n + (x0−x̄)ᵀ covUnscaled (x0−x̄)).
   * With ridge it is the sandwich A⁻¹ Sxx A⁻¹ (A = Sxx + penalty), the sampling covariance of
   * the ridge coefficients up to σ²; the interval then ignores the ridge bias.
   */
  covUnscaled: number[][];
  /** The ridge penalty used (0 for plain OLS). */
  ridgeLambda: number;
}

function assertFinite(label: string, x: number): void {
  if (!Number.isFinite(x)) throw new RangeError(`fitOls: ${label} must be a finite number (got ${x})`);
}

function matVec(A: number[][], v: number[]): number[] {
  return A.map((row) => row.reduce((s, a, j) => s + a * v[j], 0));
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function fmt(x: number): string {
  return x.toExponential(2);
}

/**
 * Fits y = intercept + Σ β_j x_j by least squares (or ridge) from sufficient statistics.
 *
 * The cross products are centred algebraically (Sxx = ΣXX − n·x̄x̄ᵀ), scaled to a
 * correlation matrix, and factorised by a Cholesky decomposition that visits features in
 * input order: a feature whose variance vanishes, or whose residual 1 − R² against the
 * features already kept is within `collinearityTolerance`, is dropped with a reason instead
 * of producing NaN or enormous coefficients. So of two identical columns the first is kept.
 *
 * Precision note: centring from raw sums loses about log10(mean²/variance) digits per
 * feature; shift features with a large offset (e.g. subtract a base year) before summing if
 * that matters.
 *
 * @throws Error when n ≤ p_kept + 1 (no residual degrees of freedom) or inputs are malformed.
 */
export function fitOls(stats: SufficientStats, options: OlsOptions = {}): OlsFit {
  const { n, featureNames, sumX, sumY, sumXX, sumXY, sumYY } = stats;
  const lambda = options.ridgeLambda ?? 0;
  const tol = options.collinearityTolerance ?? 1e-10;
  const p = featureNames.length;
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`fitOls: n must be a positive integer (got ${n})`);
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`fitOls: ridgeLambda must be >= 0 (got ${lambda})`);
  if (!(tol > 0) || !(tol < 1)) throw new RangeError(`fitOls: collinearityTolerance must be in (0, 1) (got ${tol})`);
  if (sumX.length !== p || sumXY.length !== p || sumXX.length !== p || sumXX.some((r) => r.length !== p)) {
    throw new RangeError(`fitOls: sumX, sumXY and sumXX must match ${p} feature names`);
  }
  assertFinite('sumY', sumY);
  assertFinite('sumYY', sumYY);
  for (let j = 0; j < p; j++) {
    assertFinite(`sumX[${j}]`, sumX[j]);
    assertFinite(`sumXY[${j}]`, sumXY[j]);
    for (let k = 0; k < p; k++) assertFinite(`sumXX[${j}][${k}]`, sumXX[j][k]);
  }

  const means = sumX.map((s) => s / n);
  const yMean = sumY / n;
  const Sxx = sumXX.map((row, j) => row.map((_, k) => {
    // Average both triangles so an asymmetric input (rounding in SQL) cannot skew the fit.
    const raw = (sumXX[j][k] + sumXX[k][j]) / 2;
    return raw - (sumX[j] * sumX[k]) / n;
  }));
  const Sxy = sumXY.map((s, j) => s - (sumX[j] * sumY) / n);
  const Syy = Math.max(0, sumYY - (sumY * sumY) / n);

  const dropped: { name: string; reason: string }[] = [];
  const kept: number[] = [];
  // Rows of the Cholesky factor of the kept features' correlation matrix.
  const L: number[][] = [];
  const scale = new Array<number>(p).fill(0);
  for (let j = 0; j < p; j++) {
    if (!(Sxx[j][j] > tol * Math.abs(sumXX[j][j]))) {
      dropped.push({ name: featureNames[j], reason: 'constant: no variation across the training rows' });
      continue;
    }
    scale[j] = Math.sqrt(Sxx[j][j]);
    const corr = (a: number, b: number): number => Sxx[a][b] / (scale[a] * scale[b]);
    const row = new Array<number>(kept.length);
    let explained = 0;
    for (let a = 0; a < kept.length; a++) {
      let s = corr(j, kept[a]);
      for (let b = 0; b < a; b++) s -= row[b] * L[a][b];
      row[a] = s / L[a][a];
      explained += row[a] * row[a];
    }
    const residual = 1 - explained; // 1 − R² of feature j on the kept ones
    if (residual <= tol) {
      // Regression coefficients of z_j on the kept z's name the features it duplicates.
      const Lk = L.map((r) => r.slice(0, kept.length));
      const coef = new Array<number>(kept.length);
      for (let a = kept.length - 1; a >= 0; a--) {
        let s = row[a];
        for (let b = a + 1; b < kept.length; b++) s -= Lk[b][a] * coef[b];
        coef[a] = s / Lk[a][a];
      }
      const big = Math.max(...coef.map(Math.abs));
      const partners = kept.filter((_, a) => Math.abs(coef[a]) > 1e-6 * big).map((k) => featureNames[k]);
      dropped.push({
        name: featureNames[j],
        reason: `collinear with ${partners.join(', ')} (1 - R^2 = ${fmt(Math.max(residual, 0))} <= tolerance ${fmt(tol)})`,
      });
      continue;
    }
    row.push(Math.sqrt(residual));
    L.push(row);
    kept.push(j);
  }

  const pk = kept.length;
  if (n <= pk + 1) {
    throw new Error(`fitOls: not enough rows: n = ${n} but ${pk} kept feature(s) plus an intercept need n > ${pk + 1}`);
  }

  const s = kept.map((j) => scale[j]);
  const R = kept.map((a) => kept.map((b) => Sxx[a][b] / (scale[a] * scale[b])));
  const r = kept.map((j, a) => Sxy[j] / s[a]);
  // Ridge in correlation units: (R + λ/n·I) b = r, then β = b / s (see OlsOptions.ridgeLambda).
  const M = lambda > 0 ? R.map((row, a) => row.map((v, b) => (a === b ? v + lambda / n : v))) : R;
  // The screening above kept only features whose residual 1 − R² exceeds the tolerance, so M is
  // positive definite; ml-matrix's Cholesky solves it and gives its inverse.
  const chol = new CholeskyDecomposition(new Matrix(M));
  if (!chol.isPositiveDefinite()) throw new Error('fitOls: normal equations are not positive definite');
  const b = chol.solve(Matrix.columnVector(r)).getColumn(0);
  const coefficients = b.map((v, a) => v / s[a]);
  const featureMeans = kept.map((j) => means[j]);
  const intercept = yMean - dot(coefficients, featureMeans);

  const Minv = chol.solve(Matrix.eye(pk)).to2DArray();
  const core = lambda > 0 ? Minv.map((row) => matVec(Minv, matVec(R, row))) : Minv;
  const covUnscaled = core.map((row, a) => row.map((v, c) => v / (s[a] * s[c])));

  // RSS = Syy − 2 bᵀr + bᵀRb, valid for OLS and ridge alike.
  const rss = Math.max(0, Syy - 2 * dot(b, r) + dot(b, matVec(R, b)));
  const dofResidual = n - pk - 1;
  return {
    featureNames: kept.map((j) => featureNames[j]),
    droppedFeatures: dropped,
    intercept,
    coefficients,
    n,
    dofResidual,
    residualVariance: rss / dofResidual,
    rss,
    r2: Syy > 0 ? 1 - rss / Syy : rss === 0 ? 1 : 0,
    rmse: Math.sqrt(rss / n),
    featureMeans,
    covUnscaled,
    ridgeLambda: lambda,
  };
}

function assertPoint(fit: OlsFit, x0: ArrayLike<number>, fn: string): void {
  if (x0.length !== fit.featureNames.length) {
    throw new RangeError(
      `${fn}: x0 must hold the ${fit.featureNames.length} kept features (${fit.featureNames.join(', ')}), got ${x0.length} values`,
    );
  }
  for (let i = 0; i < x0.length; i++) {
    if (!Number.isFinite(x0[i])) throw new RangeError(`${fn}: x0[${i}] is not finite (${x0[i]})`);
  }
}

/** Point prediction intercept + βᵀx0; x0 holds the kept features in `fit.featureNames` order. */
export function predictOls(fit: OlsFit, x0: ArrayLike<number>): number {
  assertPoint(fit, x0, 'predictOls');
  let y = fit.intercept;
  for (let i = 0; i < x0.length; i++) y += fit.coefficients[i] * x0[i];
  return y;
}

/**
 * Half-width of the two-sided prediction interval for a new observation at x0:
 * t_{1−(1−level)/2, dofResidual} · sqrt(residualVariance · (1 + 1/n + dᵀ covUnscaled d)),
 * d = x0 − x̄. x0 holds the kept features in `fit.featureNames` order (dropped features are
 * not part of the model).
 *
 * @param level coverage in (0, 1), e.g. 0.95
 */
export function predictionHalfWidth(fit: OlsFit, x0: ArrayLike<number>, level: number): number {
  assertPoint(fit, x0, 'predictionHalfWidth');
  if (!(level > 0 && level < 1)) throw new RangeError(`predictionHalfWidth: level must be in (0, 1) (got ${level})`);
  const d = fit.featureMeans.map((m, i) => x0[i] - m);
  const leverage = dot(d, matVec(fit.covUnscaled, d));
  const variance = fit.residualVariance * (1 + 1 / fit.n + leverage);
  return studentTQuantile(1 - (1 - level) / 2, fit.dofResidual) * Math.sqrt(variance);
}

/**
 * Sufficient statistics of in-memory rows (the same sums a SQL aggregate would return);
 * convenient for tests and small data.
 */
export function sufficientStatsFromRows(featureNames: string[], X: ArrayLike<number>[], y: ArrayLike<number>): SufficientStats {
  const p = featureNames.length;
  if (X.length !== y.length) throw new RangeError(`sufficientStatsFromRows: ${X.length} rows but ${y.length} targets`);
  const sumX = new Array<number>(p).fill(0);
  const sumXY = new Array<number>(p).fill(0);
  const sumXX = featureNames.map(() => new Array<number>(p).fill(0));
  let sumY = 0;
  let sumYY = 0;
  X.forEach((row, i) => {
    if (row.length !== p) throw new RangeError(`sufficientStatsFromRows: row ${i} has ${row.length} values, expected ${p}`);
    const yi = y[i];
    sumY += yi;
    sumYY += yi * yi;
    for (let j = 0; j < p; j++) {
      sumX[j] += row[j];
      sumXY[j] += row[j] * yi;
      for (let k = 0; k < p; k++) sumXX[j][k] += row[j] * row[k];
    }
  });
  return { n: X.length, featureNames: [...featureNames], sumX, sumY, sumXX, sumXY, sumYY };
}
