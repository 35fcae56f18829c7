import { quoteIdent } from '../db/sql-text.ts';
import type { FitParams } from './fit-params.ts';

export interface ModelReadySql {
  /** `expr as "feature"` for every model feature, reading raw feature columns of the same names. */
  select: string;
  /** Per row: how many categorical values were unseen in training (mapped to the reference level). */
  unseenCount: string;
  /** Per row: how many numeric values fell outside the fitted bounds. */
  outOfRangeCount: string;
  params: Record<string, unknown>;
}

/**
 * The model-ready transform from fitted parameters: clip to the bounds, subtract the mean, divide by
 * the scale; map unseen levels to the reference level. Parameter names carry `prefix` so two models'
 * transforms can sit in one query.
 */
export function modelReadySql(fit: Pick<FitParams, 'numerics' | 'categoricals'>, opts: { clip: boolean; prefix?: string }): ModelReadySql {
  const p = opts.prefix ?? 'p';
  const params: Record<string, unknown> = {};
  const select: string[] = [];
  const unseen: string[] = [];
  const oor: string[] = [];
  fit.numerics.forEach((n, i) => {
    const q = quoteIdent(n.name);
    Object.assign(params, { [`${p}_mean_${i}`]: n.mean, [`${p}_std_${i}`]: n.std, [`${p}_lo_${i}`]: n.lo, [`${p}_hi_${i}`]: n.hi });
    const bounded = opts.clip ? `least(greatest(${q}, $${p}_lo_${i}), $${p}_hi_${i})` : q;
    // A missing value (nullable column, undefined derived value) is imputed with the training mean: 0 after centring.
    select.push(`coalesce((${bounded} - $${p}_mean_${i}) / $${p}_std_${i}, 0) as ${q}`);
    oor.push(`coalesce((${q} < $${p}_lo_${i} or ${q} > $${p}_hi_${i})::integer, 0)`);
  });
  fit.categoricals.forEach((c, i) => {
    const q = quoteIdent(c.name);
    params[`${p}_levels_${i}`] = JSON.stringify(c.levels);
    params[`${p}_ref_${i}`] = c.levels[0];
    const known = `coalesce(list_contains(from_json($${p}_levels_${i}, '["VARCHAR"]'), ${q}), false)`;
    select.push(`case when ${known} then ${q} else $${p}_ref_${i} end as ${q}`);
    unseen.push(`(not ${known})::integer`);
  });
  return {
    select: select.join(',\n    '),
    unseenCount: unseen.length ? unseen.join(' + ') : '0',
    outOfRangeCount: oor.length ? oor.join(' + ') : '0',
    params,
  };
}
