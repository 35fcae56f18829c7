import { sql } from 'kysely';
import type { SufficientStats } from '../stats/ols.ts';
import type { SqlFragment } from '../sql/render.ts';
import { designColumns, type FitParams } from './fit-params.ts';

/** One row of the grouped aggregate: the group's category levels and its sums over the numeric features. */
export interface GroupSums {
  levels: (string | null)[];
  n: number;
  sumY: number;
  sumYY: number;
  sumX: number[];
  sumXY: number[];
  /** Upper triangle, row-major: Σ x_i x_j for i ≤ j. */
  sumXXUpper: number[];
}

/**
 * Assembles XᵀX, Xᵀy and the other sums over the full design (numeric features, then one dummy per
 * non-reference level) from per-group sums: dummies are constant inside a group.
 */
export function assembleDesignStats(fit: Pick<FitParams, 'numerics' | 'categoricals'>, groups: GroupSums[]): SufficientStats {
  const names = designColumns(fit);
  const k = fit.numerics.length;
  const p = names.length;
  const sumX = new Array<number>(p).fill(0);
  const sumXY = new Array<number>(p).fill(0);
  const sumXX = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  let n = 0;
  let sumY = 0;
  let sumYY = 0;
  // Offset of each categorical's first dummy column.
  const offsets: number[] = [];
  let off = k;
  for (const c of fit.categoricals) {
    offsets.push(off);
    off += c.levels.length - 1;
  }
  for (const g of groups) {
    n += g.n;
    sumY += g.sumY;
    sumYY += g.sumYY;
    const active: number[] = [];
    fit.categoricals.forEach((c, ci) => {
      const idx = g.levels[ci] === null ? -1 : c.levels.indexOf(g.levels[ci] as string);
      if (idx > 0) active.push(offsets[ci] + idx - 1);
    });
    let t = 0;
    for (let i = 0; i < k; i++) {
      sumX[i] += g.sumX[i];
      sumXY[i] += g.sumXY[i];
      for (let j = i; j < k; j++) {
        sumXX[i][j] += g.sumXXUpper[t++];
      }
      for (const a of active) sumXX[i][a] += g.sumX[i];
    }
    for (const a of active) {
      sumX[a] += g.n;
      sumXY[a] += g.sumY;
      for (const b of active) if (b >= a) sumXX[a][b] += g.n;
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) sumXX[i][j] = sumXX[j][i];
  return { n, featureNames: names, sumX, sumY, sumXX, sumXY, sumYY };
}

/** SQL sums over numeric features: Σx_i, Σx_i·y, Σx_i·x_j (i ≤ j). */
export function sumsSql(numerics: string[], target: SqlFragment): SqlFragment {
  const q = numerics.map((n) => sql.id(n));
  const parts: SqlFragment[] = [];
  q.forEach((x, i) => parts.push(sql`sum(${x}) as ${sql.id(`sx_${i}`)}`));
  q.forEach((x, i) => parts.push(sql`sum(${x} * ${target}) as ${sql.id(`sxy_${i}`)}`));
  q.forEach((x, i) => q.slice(i).forEach((z, j) => parts.push(sql`sum(${x} * ${z}) as ${sql.id(`sxx_${i}_${i + j}`)}`)));
  return parts.length ? sql.join(parts, sql`,\n    `) : sql`0 as no_numeric_features`;
}

/** The same sums over the cells (row group of raw_data and batch), added up in the order of the cells' table (cell order). */
export function combinedSumsSql(numerics: string[]): SqlFragment {
  const names: string[] = [];
  numerics.forEach((_, i) => names.push(`sx_${i}`));
  numerics.forEach((_, i) => names.push(`sxy_${i}`));
  numerics.forEach((_, i) => numerics.slice(i).forEach((_z, j) => names.push(`sxx_${i}_${i + j}`)));
  return names.length ? sql.join(names.map((n) => sql`sum(${sql.id(n)}) as ${sql.id(n)}`), sql`,\n    `) : sql`0 as no_numeric_features`;
}
