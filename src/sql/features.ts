import { INDICATOR_SUFFIX, type CategoricalMissing, type Contract } from '../config/contract.ts';
import { sql } from 'kysely';
import type { SqlFragment } from './render.ts';

/** A numeric model feature and how to compute its raw value from a raw_data row. */
export interface NumericFeature {
  name: string;
  source: 'column' | 'derived' | 'calendar' | 'indicator';
  /** SQL over raw_data's columns, producing a DOUBLE (NULL when missing). */
  raw: SqlFragment;
  /** The training statistic a missing value is imputed with (calendar terms and indicators are never missing). */
  impute: 'mean' | 'median';
  /**
   * A calendar term: a function of one small integer of the timestamp (`part`, computed by `of`: its month, its ISO
   * day of week, 1 … `period`), so its value for each row is that element (1-based) of `values`, a list computed once by the same
   * expression over the integers 1 … `period` (bit for bit the values `raw` gives). A pass over many rows reads the
   * list instead of taking a sine or cosine per row.
   */
  calendar?: { part: 'month' | 'isodow'; of: SqlFragment; period: number; values: SqlFragment };
}

export interface CategoricalFeature {
  name: string;
  missing?: CategoricalMissing;
}

export interface FeatureSet {
  numerics: NumericFeature[];
  categoricals: CategoricalFeature[];
}

/** Calendar features for date and timestamp time columns (none for integer periods such as years). */
function calendarFeatures(contract: Contract): NumericFeature[] {
  if (!contract.calendarFeatures) return [];
  const ts = sql.id(contract.timestamp.name);
  // term(k) for k = the timestamp's part; `values`: the same expression over k = 1 … period (month() and isodow()
  // return BIGINT, as range() does: the same arithmetic, the same doubles)
  const term = (name: string, fn: 'sin' | 'cos', part: 'month' | 'isodow', period: number): NumericFeature => {
    const of = (k: SqlFragment) => (fn === 'sin' ? sql`sin(2 * pi() * (${k} - 1) / ${sql.lit(period)})` : sql`cos(2 * pi() * (${k} - 1) / ${sql.lit(period)})`);
    const partOfTs = part === 'month' ? sql`month(${ts})` : sql`isodow(${ts})`;
    return {
      name,
      source: 'calendar',
      raw: of(partOfTs),
      impute: 'mean',
      calendar: { part, of: partOfTs, period, values: sql`(select list(${of(sql.id('k'))} order by k) from range(1, ${sql.lit(period + 1)}) as t(k))` },
    };
  };
  return [term('cal_month_sin', 'sin', 'month', 12), term('cal_month_cos', 'cos', 'month', 12), term('cal_dow_sin', 'sin', 'isodow', 7), term('cal_dow_cos', 'cos', 'isodow', 7)];
}

/**
 * The model's features, from the contract: numeric columns, derived expressions (a non-finite value, such as
 * a division by zero, is missing), calendar terms, the 0/1 missing indicators the contract asks for, and the
 * categoricals. Excluding a feature excludes its indicator too.
 */
export function featureSet(contract: Contract, exclude: readonly string[] = []): FeatureSet {
  const keep = (n: string) => !exclude.includes(n);
  const base: (NumericFeature & { indicator: boolean })[] = [
    ...contract.numerics.map((c) => {
      const m = c.numericMissing;
      return { name: c.name, source: 'column' as const, raw: sql`${sql.id(c.name)}::double`, impute: m?.kind === 'impute' ? m.impute : ('mean' as const), indicator: m?.kind === 'impute' && m.indicator };
    }),
    // d.sql: an expression the config loader parsed and checked (src/config/expression.ts: known columns, functions, operators)
    ...contract.derived.map((d) => ({ name: d.name, source: 'derived' as const, raw: sql`nullif(nullif(nullif((${sql.raw(d.sql)})::double, 'inf'::double), '-inf'::double), 'nan'::double)`, impute: d.missing.impute, indicator: d.missing.indicator })),
  ].filter((f) => keep(f.name));
  const indicators: NumericFeature[] = base
    .filter((f) => f.indicator)
    .map((f) => ({ name: f.name + INDICATOR_SUFFIX, source: 'indicator' as const, raw: sql`((${f.raw}) is null)::integer::double`, impute: 'mean' as const }));
  const numerics: NumericFeature[] = [...base.map(({ indicator: _i, ...f }) => f), ...calendarFeatures(contract).filter((f) => keep(f.name)), ...indicators];
  const categoricals = contract.categoricals.filter((c) => keep(c.name)).map((c) => ({ name: c.name, missing: c.categoricalMissing }));
  return { numerics, categoricals };
}

/** `expr as "name", …` for each numeric feature's raw value. */
export function numericFeatureSelect(numerics: readonly NumericFeature[]): SqlFragment {
  return sql.join(numerics.map((f) => sql`${f.raw} as ${sql.id(f.name)}`));
}

/** `expr as "name", …` for every raw feature value (numerics, then categoricals). */
export function rawFeatureSelect(fs: FeatureSet): SqlFragment {
  return sql.join([...fs.numerics.map((f) => sql`${f.raw} as ${sql.id(f.name)}`), ...fs.categoricals.map((c) => sql.id(c.name))]);
}

/** The names of the row key (id columns and timestamp). */
export function keyNames(contract: Contract): string[] {
  return [...contract.idColumns, contract.timestamp.name];
}

/** The row key (id columns and timestamp), as a column list; with `table`, each column qualified by it (`t."id"`). */
export function keyColumns(contract: Contract, table?: string): SqlFragment {
  return identList(keyNames(contract), table);
}

/** `"a", "b", …` (or `t."a", t."b", …` with `table`). */
export function identList(names: readonly string[], table?: string): SqlFragment {
  return sql.join(names.map((n) => (table ? sql.id(table, n) : sql.id(n))));
}
