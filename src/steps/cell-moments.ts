/**
 * Moments combined from per-cell partial moments. A cell is a block of raw_data's rowids (`rowid // 122880`, a row
 * group's worth): the same rows in every database ingested from the same file. Each cell's count, mean and centred
 * sum of squares are taken in row order (on one thread with duckdb.deterministic), and the cells are combined in cell
 * order (Chan, Golub and LeVeque's pairwise update), so the totals are bit-identical run to run.
 */

/** DuckDB's row group size: the cells are blocks of this many rowids. */
export const ROW_GROUP_ROWS = 122_880;

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
