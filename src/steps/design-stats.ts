import { sql } from 'kysely';
import type { SufficientStats } from '../stats/ols.ts';
import type { NumericFeature } from '../sql/features.ts';
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

/**
 * The one pass's sums over the raw numeric features, each taken around its shift (fold_sums_cells.sql): for feature c,
 * `__u_c` = x − shift; Σu, Σuv (v: the target around its shift), Σuu' (c ≤ c'), and min and max of x (of a calendar
 * term: from the parts seen, foldCalendarSql). Missing values are counted through the null masks the rows are grouped
 * by (nullMasks), not by an aggregate per feature.
 */
export function foldSumsSql(numerics: readonly Pick<NumericFeature, 'name' | 'calendar'>[]): SqlFragment {
  const u = numerics.map((_, c) => sql.id(`__u_${c}`));
  const parts: SqlFragment[] = [];
  numerics.forEach((f, c) => {
    if (!f.calendar) parts.push(sql`min(${sql.id(f.name)}) as ${sql.id(`min_${c}`)}`, sql`max(${sql.id(f.name)}) as ${sql.id(`max_${c}`)}`);
  });
  u.forEach((x, c) => parts.push(sql`sum(${x}) as ${sql.id(`su_${c}`)}`));
  u.forEach((x, c) => parts.push(sql`sum(${x} * __v) as ${sql.id(`suv_${c}`)}`));
  u.forEach((x, a) => u.slice(a).forEach((z, j) => parts.push(sql`sum(${x} * ${z}) as ${sql.id(`suu_${a}_${a + j}`)}`)));
  return parts.length ? sql.join(parts, sql`,\n    `) : sql`0 as no_numeric_features`;
}

/**
 * The one pass's calendar terms (features.ts): each timestamp part (month, ISO day of week) taken once per row, the
 * terms read from their lists of values, and their min and max from the set of parts a group holds (a bit mask, one
 * aggregate per part instead of a min and a max per term): the same values as min and max of the terms.
 *   parts: `month(ts) as "__part_month", …` (input rows; partColumns: their names, each with a comma);  select: each numeric feature's raw value, a calendar
 *   term as `values["__part_…"]`;  bits: `bit_or(1 << "__part_…") as "__bits_…",` (aggregate);  bounds:
 *   `, list_min(…) as "min_c", list_max(…) as "max_c"` per calendar term (over the aggregate);  bitNames: the masks.
 */
export function foldCalendarSql(numerics: readonly NumericFeature[]): { parts: SqlFragment; partColumns: SqlFragment; select: SqlFragment; bits: SqlFragment; bounds: SqlFragment; bitNames: SqlFragment } {
  const partName = (p: string) => sql.id(`__part_${p}`);
  const bitsName = (p: string) => sql.id(`__bits_${p}`);
  const seen = new Map<string, SqlFragment>();
  for (const f of numerics) if (f.calendar && !seen.has(f.calendar.part)) seen.set(f.calendar.part, f.calendar.of);
  const keys = [...seen.keys()];
  const select = sql.join(numerics.map((f) => (f.calendar ? sql`${f.calendar.values}[${partName(f.calendar.part)}] as ${sql.id(f.name)}` : sql`${f.raw} as ${sql.id(f.name)}`)));
  const bounds = numerics.flatMap((f, c) => {
    if (!f.calendar) return [];
    const present = sql`list_filter(${f.calendar.values}, lambda v, i: (${bitsName(f.calendar.part)} >> i) & 1 = 1)`;
    return [sql`, list_min(${present}) as ${sql.id(`min_${c}`)}`, sql`, list_max(${present}) as ${sql.id(`max_${c}`)}`];
  });
  return {
    parts: keys.length ? sql.join(keys.map((k) => sql`${seen.get(k) as SqlFragment} as ${partName(k)}`)) : sql`0 as __no_parts`,
    partColumns: sql.join(keys.map((k) => sql`${partName(k)},`), sql` `),
    select,
    bits: sql.join(keys.map((k) => sql`bit_or(1::bigint << ${partName(k)}) as ${bitsName(k)},`), sql` `),
    bounds: sql.join(bounds, sql` `),
    bitNames: keys.length ? sql`exclude (${sql.join(keys.map(bitsName))})` : sql``,
  };
}

/** `x − shift as "__u_c"` for each raw numeric feature (the shifts bound as values). */
export function shiftedFeaturesSql(numerics: string[], shifts: number[]): SqlFragment {
  return numerics.length ? sql.join(numerics.map((name, c) => sql`${sql.id(name)} - ${shifts[c]}::double as ${sql.id(`__u_${c}`)}`)) : sql`0 as __no_numeric_features`;
}

/** A kept feature of the design: its column in the one pass (candidate index), and d = mean − shift and the scale. */
export interface FoldedFeature {
  column: number;
  /** The fitted mean minus the one pass's shift. */
  offset: number;
  std: number;
}

/** The one pass's shifted sums of the kept features, added up over cells (design_sums.sql's `folded`). */
export function foldedSumsSql(kept: readonly FoldedFeature[]): SqlFragment {
  const names: string[] = [];
  kept.forEach((f) => names.push(`su_${f.column}`));
  kept.forEach((f) => names.push(`suv_${f.column}`));
  kept.forEach((f, i) => kept.slice(i).forEach((g) => names.push(`suu_${f.column}_${g.column}`)));
  return names.length ? sql.join(names.map((n) => sql`sum(${sql.id(n)}) as ${sql.id(n)}`), sql`,\n        `) : sql`0 as no_numeric_features`;
}

/**
 * The design sums of the kept features from the shifted sums, exactly by algebra: with d = mean − shift, σ the scale,
 * e = the target's offset: Σx = (Σu − n·d)/σ, Σxy = (Σuv − e·Σu − d·Σv + n·d·e)/σ,
 * Σxx' = (Σuu' − d'·Σu − d·Σu' + n·d·d')/(σσ'), named as sumsSql names them (sx_i, sxy_i, sxx_i_j by kept index).
 */
export function centredSumsSql(kept: readonly FoldedFeature[], yOffset: number): SqlFragment {
  const parts: SqlFragment[] = [];
  const su = (f: FoldedFeature) => sql.id(`su_${f.column}`);
  kept.forEach((f, i) => parts.push(sql`(${su(f)} - n * ${f.offset}::double) / ${f.std}::double as ${sql.id(`sx_${i}`)}`));
  kept.forEach((f, i) => parts.push(sql`(${sql.id(`suv_${f.column}`)} - ${yOffset}::double * ${su(f)} - ${f.offset}::double * sum_v + n * ${f.offset}::double * ${yOffset}::double) / ${f.std}::double as ${sql.id(`sxy_${i}`)}`));
  kept.forEach((f, i) =>
    kept.slice(i).forEach((g, j) =>
      parts.push(sql`(${sql.id(`suu_${f.column}_${g.column}`)} - ${g.offset}::double * ${su(f)} - ${f.offset}::double * ${su(g)} + n * ${f.offset}::double * ${g.offset}::double) / (${f.std}::double * ${g.std}::double) as ${sql.id(`sxx_${i}_${i + j}`)}`),
    ),
  );
  return parts.length ? sql.join(parts, sql`,\n        `) : sql`0 as no_numeric_features`;
}

/** Features per null mask: a BIGINT holds 62 bits and stays positive. */
const MASK_BITS = 62;

/**
 * Which numeric features of a row are missing, as bit masks (feature c: bit c % 62 of `__null_mask_{c / 62}`), a
 * grouping column of the one pass: a group's features are all present or all missing, so each feature's count is the
 * sum of n over the groups whose bit is clear, without an aggregate per feature. The bits are only worked out for the
 * rows where one of a mask's features is missing (their sum is null, a test of one value per row); the others are 0.
 */
export function nullMasks(numerics: readonly SqlFragment[]): { select: SqlFragment; columns: SqlFragment; names: string[] } {
  const names: string[] = [];
  const select: SqlFragment[] = [];
  for (let k = 0; k * MASK_BITS < numerics.length; k++) {
    const name = `__null_mask_${k}`;
    const features = numerics.slice(k * MASK_BITS, (k + 1) * MASK_BITS);
    // 2^b as a BigInt: as a number, 2^56 and above print rounded (72057594037927940), setting other bits
    const bits = features.map((x, b) => sql`((${x}) is null)::bigint * ${sql.lit(1n << BigInt(b))}`);
    const anyMissing = sql`(${sql.join(features.map((x) => sql`(${x})`), sql` + `)}) is null`;
    names.push(name);
    select.push(sql`case when ${anyMissing} then ${sql.join(bits, sql` + `)} else 0 end as ${sql.id(name)},`);
  }
  return { select: sql.join(select, sql` `), columns: sql.join(names.map((n) => sql`${sql.id(n)},`), sql` `), names };
}

/** SQL true where feature c is missing in a group of the one pass (its bit of the null masks set). */
export function missingSql(c: number): SqlFragment {
  return sql`(${sql.id(`__null_mask_${Math.floor(c / MASK_BITS)}`)} >> ${sql.lit(c % MASK_BITS)}) & 1 = 1`;
}
