import { sql } from 'kysely';
import type { FitParams } from '../steps/fit-params.ts';
import type { StoredModel } from '../steps/model.ts';
import type { SqlFragment } from './render.ts';

/**
 * The model's prediction as an SQL expression over model-ready columns:
 * intercept + Σ coefficient × numeric feature + the coefficient of each row's category level.
 * Coefficients and levels are bound parameters.
 */
export function predictionSql(model: Pick<StoredModel, 'intercept' | 'coefficients' | 'designColumns'>, fit: Pick<FitParams, 'numerics' | 'categoricals'>): SqlFragment {
  const terms: SqlFragment[] = [sql`${model.intercept}`];
  const coef = new Map(model.designColumns.map((c, i) => [c, model.coefficients[i]]));
  for (const n of fit.numerics) {
    const b = coef.get(n.name) ?? 0;
    if (b !== 0) terms.push(sql`${b} * ${sql.id(n.name)}`);
  }
  for (const c of fit.categoricals) {
    const whens = c.levels.slice(1).flatMap((level) => {
      const b = coef.get(`${c.name}=${level}`) ?? 0;
      return b === 0 ? [] : [sql`when ${level} then ${b}`];
    });
    if (whens.length) terms.push(sql`(case ${sql.id(c.name)} ${sql.join(whens, sql` `)} else 0 end)`);
  }
  return sql.join(terms, sql` + `);
}
