/**
 * Moments combined from per-cell partial moments. A cell is a block of raw_data's rowids (`rowid // 122880`, a row
 * group's worth): the same rows in every database ingested from the same file. Each cell's count, mean and centred
 * sum of squares are taken in row order (on one thread with duckdb.deterministic), and the cells are combined in cell
 * order (Chan, Golub and LeVeque's pairwise update), so the totals are bit-identical run to run.
 *
 * Why that holds on every thread too: a cell's partial sums depend only on its rows and the order they are added in.
 * The cells are split into contiguous ranges, one per thread (`cellRanges`), and each range is aggregated by its own
 * statement on its own connection at one thread (PipelineDb.queryParts), which adds each cell's rows in row order, as
 * one thread over all the cells does. Every cell lies in exactly one range, so each cell's partials are the ones a
 * single thread computes, bit for bit, whatever the number of threads, their timing, or which part ends first; the
 * cells are then combined in cell order. DuckDB's own parallel aggregate is not used for these sums: it adds the
 * partial states of its threads in the order the threads finish.
 */
import type { CellRange } from '../db/sql-runner.ts';

/** DuckDB's row group size: the cells are blocks of this many rowids. */
export const ROW_GROUP_ROWS = 122_880;

/**
 * The cells 0 … cells−1 as at most `parts` contiguous ranges of (nearly) equal size, in cell order: one range per
 * thread; one empty range when there are no cells.
 */
export function cellRanges(cells: number, parts: number): CellRange[] {
  const n = Math.max(1, Math.min(Math.trunc(parts), cells));
  return Array.from({ length: n }, (_, i) => ({ first: Math.floor((i * cells) / n), end: Math.floor(((i + 1) * cells) / n) }));
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

/**
 * The cells given (sorted or not) as at most `maxRanges` contiguous ranges covering them, in cell order: runs of
 * consecutive cells, the runs nearest each other joined first when there are more (a joined range also covers the
 * cells between). No range when no cell is given.
 */
export function coveringRanges(cells: readonly number[], maxRanges: number): CellRange[] {
  const sorted = [...new Set(cells)].sort((a, b) => a - b);
  const ranges: CellRange[] = [];
  for (const c of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last.end === c) last.end = c + 1;
    else ranges.push({ first: c, end: c + 1 });
  }
  const limit = Math.max(1, Math.trunc(maxRanges));
  while (ranges.length > limit) {
    // join the two neighbouring ranges with the smallest gap (the first such pair on a tie)
    let at = 0;
    for (let i = 1; i < ranges.length - 1; i++) if (ranges[i + 1].first - ranges[i].end < ranges[at + 1].first - ranges[at].end) at = i;
    ranges.splice(at, 2, { first: ranges[at].first, end: ranges[at + 1].end });
  }
  return ranges;
}
