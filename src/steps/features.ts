import type { Contract } from '../config/contract.ts';
import { quoteIdent } from '../db/sql-text.ts';

/** A numeric model feature and how to compute its raw value from a raw_data row. */
export interface NumericFeature {
  name: string;
  source: 'column' | 'derived' | 'calendar';
  /** SQL over raw_data's columns (quoted), producing a DOUBLE. */
  rawSql: string;
}

export interface CategoricalFeature {
  name: string;
}

export interface FeatureSet {
  numerics: NumericFeature[];
  categoricals: CategoricalFeature[];
}

/** Calendar features for date and timestamp time columns (none for integer periods such as years). */
function calendarFeatures(contract: Contract): NumericFeature[] {
  if (!contract.calendarFeatures) return [];
  const ts = quoteIdent(contract.timestamp.name);
  return [
    { name: 'cal_month_sin', source: 'calendar', rawSql: `sin(2 * pi() * (month(${ts}) - 1) / 12)` },
    { name: 'cal_month_cos', source: 'calendar', rawSql: `cos(2 * pi() * (month(${ts}) - 1) / 12)` },
    { name: 'cal_dow_sin', source: 'calendar', rawSql: `sin(2 * pi() * (isodow(${ts}) - 1) / 7)` },
    { name: 'cal_dow_cos', source: 'calendar', rawSql: `cos(2 * pi() * (isodow(${ts}) - 1) / 7)` },
  ];
}

/** The model's features, from the contract: numeric columns, derived expressions, calendar terms, categoricals. */
export function featureSet(contract: Contract, exclude: readonly string[] = []): FeatureSet {
  const keep = (n: string) => !exclude.includes(n);
  const numerics: NumericFeature[] = [
    ...contract.numerics.map((c) => ({ name: c.name, source: 'column' as const, rawSql: `${quoteIdent(c.name)}::double` })),
    ...contract.derived.map((d) => ({ name: d.name, source: 'derived' as const, rawSql: `${d.sql}::double` })),
    ...calendarFeatures(contract),
  ].filter((f) => keep(f.name));
  const categoricals = contract.categoricals.filter((c) => keep(c.name)).map((c) => ({ name: c.name }));
  return { numerics, categoricals };
}

/** `expr as "name", …` for every raw feature value (numerics, then categoricals). */
export function rawFeatureSelect(fs: FeatureSet): string {
  return [...fs.numerics.map((f) => `${f.rawSql} as ${quoteIdent(f.name)}`), ...fs.categoricals.map((c) => quoteIdent(c.name))].join(', ');
}

/** The row key (id columns and timestamp), quoted. */
export function keyColumns(contract: Contract): string[] {
  return [...contract.idColumns, contract.timestamp.name].map(quoteIdent);
}
