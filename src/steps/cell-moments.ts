import { sql } from 'kysely';
import type { SqlFragment } from '../sql/render.ts';

/**
 * Moments combined from per-cell partial moments. A cell is one row group of raw_data (`rowid // 122880`): DuckDB
 * scans a row group on one thread, in row order, so the count, mean and centred sum of squares of each cell are
 * bit-identical run to run while the cells are aggregated in parallel. Combining the cells in cell order (Chan,
 * Golub and LeVeque's pairwise update) then gives bit-identical totals too.
 */

/**
 * SQL for the row group of raw_data a row sits in, from the row groups' sizes (in order): a binary search over their
 * first rowids, as nested CASE expressions over `rowid` (about log2 of the number of row groups comparisons a row).
 * The bounds are integers read from DuckDB's storage metadata, written as literals (a view holds no parameters).
 */
export function rowGroupSql(sizes: readonly number[]): SqlFragment {
  const starts: number[] = [];
  let at = 0;
  for (const n of sizes) {
    starts.push(at);
    at += n;
  }
  const search = (lo: number, hi: number): SqlFragment => {
    if (hi - lo <= 1) return sql.lit(lo);
    const mid = (lo + hi) >> 1;
    return sql`case when rowid < ${sql.lit(Math.trunc(starts[mid]))} then ${search(lo, mid)} else ${search(mid, hi)} end`;
  };
  return starts.length ? search(0, starts.length) : sql.lit(0);
}

/** One cell's partial moments of one variable. */
export interface CellMoments {
  n: number;
  /** Mean of the cell's non-missing values (null when n = 0). */
  mean: number | null;
  /** Σ (x − mean)² over the cell. */
  m2: number;
  min: number | null;
  max: number | null;
}

export interface Moments {
  n: number;
  mean: number | null;
  /** Sample standard deviation; 0 when n < 2 (as `coalesce(stddev_samp(x), 0)`). */
  std: number;
  min: number | null;
  max: number | null;
}

/** Combines cells in the order given (the caller sorts them by cell). */
export function combineMoments(cells: readonly CellMoments[]): Moments {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (const c of cells) {
    if (c.n === 0 || c.mean === null) continue;
    if (n === 0) {
      n = c.n;
      mean = c.mean;
      m2 = c.m2;
    } else {
      const total = n + c.n;
      const delta = c.mean - mean;
      mean += (delta * c.n) / total;
      m2 += c.m2 + (((delta * delta) * n) / total) * c.n;
      n = total;
    }
    if (c.min !== null && (min === null || c.min < min)) min = c.min;
    if (c.max !== null && (max === null || c.max > max)) max = c.max;
  }
  return { n, mean: n ? mean : null, std: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0, min, max };
}
