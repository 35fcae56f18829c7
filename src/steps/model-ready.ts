import { quoteIdent } from '../db/sql-text.ts';
import type { FitParams } from './fit-params.ts';

export interface ModelReadySql {
  /** `expr as "feature"` for every model feature, reading raw feature columns of the same names. */
  select: string;
  /** Per row: how many categorical values were unseen in training (mapped to the reference level). */
  unseenCount: string;
  /** Per row: how many numeric values fell outside the fitted bounds. */
  outOfRangeCount: string;
  /** Per row: how many feature values were missing and imputed. */
  imputedCount: string;
  params: Record<string, unknown>;
}

/**
 * The model-ready transform from fitted parameters: impute a missing value with its fitted fill value, clip
 * to the bounds, subtract the mean, divide by the scale; a missing level becomes its fitted fill level, and
 * an unseen level the reference level. The same SQL in training and in serving, so a missing value is encoded
 * the same way in both. Parameter names carry `prefix` so two models' transforms can sit in one query.
 */
export function modelReadySql(fit: Pick<FitParams, 'numerics' | 'categoricals'>, opts: { clip: boolean | { when: string }; prefix?: string }): ModelReadySql {
  const p = opts.prefix ?? 'p';
  const params: Record<string, unknown> = {};
  const select: string[] = [];
  const unseen: string[] = [];
  const oor: string[] = [];
  const imputed: string[] = [];
  fit.numerics.forEach((n, i) => {
    const q = quoteIdent(n.name);
    Object.assign(params, { [`${p}_mean_${i}`]: n.mean, [`${p}_std_${i}`]: n.std, [`${p}_lo_${i}`]: n.lo, [`${p}_hi_${i}`]: n.hi, [`${p}_fill_${i}`]: n.fill ?? n.mean });
    const filled = `coalesce(${q}, $${p}_fill_${i})`;
    const clipped = `least(greatest(${filled}, $${p}_lo_${i}), $${p}_hi_${i})`;
    // `when`: clip only rows meeting an SQL condition (in training, the training rows: test rows are processed as serving would)
    const bounded = opts.clip === true ? clipped : opts.clip ? `case when ${opts.clip.when} then ${clipped} else ${filled} end` : filled;
    select.push(`(${bounded} - $${p}_mean_${i}) / $${p}_std_${i} as ${q}`);
    oor.push(`coalesce((${q} < $${p}_lo_${i} or ${q} > $${p}_hi_${i})::integer, 0)`);
    imputed.push(`(${q} is null)::integer`);
  });
  fit.categoricals.forEach((c, i) => {
    const q = quoteIdent(c.name);
    params[`${p}_levels_${i}`] = JSON.stringify(c.levels);
    params[`${p}_ref_${i}`] = c.levels[0];
    params[`${p}_cfill_${i}`] = c.fill ?? null;
    const value = `coalesce(${q}, $${p}_cfill_${i})`;
    const known = `coalesce(list_contains(from_json($${p}_levels_${i}, '["VARCHAR"]'), ${value}), false)`;
    select.push(`case when ${known} then ${value} else $${p}_ref_${i} end as ${q}`);
    unseen.push(`(not ${known})::integer`);
    imputed.push(`(${q} is null)::integer`);
  });
  return {
    select: select.join(',\n    '),
    unseenCount: unseen.length ? unseen.join(' + ') : '0',
    outOfRangeCount: oor.length ? oor.join(' + ') : '0',
    imputedCount: imputed.length ? imputed.join(' + ') : '0',
    params,
  };
}
