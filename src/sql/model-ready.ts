import { sql } from 'kysely';
import type { FitParams } from '../steps/fit-params.ts';
import type { SqlFragment } from './render.ts';

export interface ModelReadySql {
  /** `expr as "feature"` for every model feature, reading raw feature columns of the same names. */
  select: SqlFragment;
  /** Per row: how many categorical values were unseen in training (mapped to the reference level). */
  unseenCount: SqlFragment;
  /** Per row: how many numeric values fell outside the fitted bounds. */
  outOfRangeCount: SqlFragment;
  /** Per row: how many feature values were missing and imputed. */
  imputedCount: SqlFragment;
}

/**
 * The model-ready transform from fitted parameters: impute a missing value with its fitted fill value, clip
 * to the bounds, subtract the mean, divide by the scale; a missing level becomes its fitted fill level, and
 * an unseen level the reference level. The same SQL in training and in serving, so a missing value is encoded
 * the same way in both. The fitted values are bound parameters.
 */
export function modelReadySql(fit: Pick<FitParams, 'numerics' | 'categoricals'>, opts: { clip: boolean | { when: SqlFragment }; literal?: boolean }): ModelReadySql {
  // `literal`: the fitted values written into the SQL text, for a view (which cannot hold parameters): a number as
  // the shortest text that reads back as the same double ('0.1'::double: parsed exactly, never as a DECIMAL).
  const v = (x: number | string | null): unknown => {
    if (!opts.literal) return x;
    if (x === null) return sql`null`;
    if (typeof x === 'string') return sql.lit(x);
    if (!Number.isFinite(x)) throw new Error(`cannot write ${x} into a view`);
    return sql`${sql.lit(String(x))}::double`;
  };
  const select: SqlFragment[] = [];
  const unseen: SqlFragment[] = [];
  const oor: SqlFragment[] = [];
  const imputed: SqlFragment[] = [];
  for (const n of fit.numerics) {
    const q = sql.id(n.name);
    const filled = sql`coalesce(${q}, ${v(n.fill ?? n.mean)})`;
    const clipped = sql`least(greatest(${filled}, ${v(n.lo)}), ${v(n.hi)})`;
    // `when`: clip only rows meeting an SQL condition (in training, the training rows: test rows are processed as serving would)
    const bounded = opts.clip === true ? clipped : opts.clip ? sql`case when ${opts.clip.when} then ${clipped} else ${filled} end` : filled;
    select.push(sql`(${bounded} - ${v(n.mean)}) / ${v(n.std)} as ${q}`);
    oor.push(sql`coalesce((${q} < ${v(n.lo)} or ${q} > ${v(n.hi)})::integer, 0)`);
    imputed.push(sql`(${q} is null)::integer`);
  }
  for (const c of fit.categoricals) {
    const q = sql.id(c.name);
    const value = sql`coalesce(${q}, ${v(c.fill ?? null)})`;
    const known = sql`coalesce(list_contains(from_json(${v(JSON.stringify(c.levels))}, '["VARCHAR"]'), ${value}), false)`;
    select.push(sql`case when ${known} then ${value} else ${v(c.levels[0])} end as ${q}`);
    unseen.push(sql`(not ${known})::integer`);
    imputed.push(sql`(${q} is null)::integer`);
  }
  const sum = (terms: SqlFragment[]) => (terms.length ? sql.join(terms, sql` + `) : sql`0`);
  return { select: sql.join(select, sql`,\n    `), unseenCount: sum(unseen), outOfRangeCount: sum(oor), imputedCount: sum(imputed) };
}
