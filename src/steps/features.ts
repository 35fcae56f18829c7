import { INDICATOR_SUFFIX, type CategoricalMissing, type Contract } from '../config/contract.ts';
import { quoteIdent } from '../db/sql-text.ts';

/** A numeric model feature and how to compute its raw value from a raw_data row. */
export interface NumericFeature {
  name: string;
  source: 'column' | 'derived' | 'calendar' | 'indicator';
  /** SQL over raw_data's columns (quoted), producing a DOUBLE (NULL when missing). */
  rawSql: string;
  /** The training statistic a missing value is imputed with (calendar terms and indicators are never missing). */
  impute: 'mean' | 'median';
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
  const ts = quoteIdent(contract.timestamp.name);
  return [
    { name: 'cal_month_sin', source: 'calendar', rawSql: `sin(2 * pi() * (month(${ts}) - 1) / 12)`, impute: 'mean' },
    { name: 'cal_month_cos', source: 'calendar', rawSql: `cos(2 * pi() * (month(${ts}) - 1) / 12)`, impute: 'mean' },
    { name: 'cal_dow_sin', source: 'calendar', rawSql: `sin(2 * pi() * (isodow(${ts}) - 1) / 7)`, impute: 'mean' },
    { name: 'cal_dow_cos', source: 'calendar', rawSql: `cos(2 * pi() * (isodow(${ts}) - 1) / 7)`, impute: 'mean' },
  ];
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
      return { name: c.name, source: 'column' as const, rawSql: `${quoteIdent(c.name)}::double`, impute: m?.kind === 'impute' ? m.impute : ('mean' as const), indicator: m?.kind === 'impute' && m.indicator };
    }),
    ...contract.derived.map((d) => ({ name: d.name, source: 'derived' as const, rawSql: `nullif(nullif(nullif((${d.sql})::double, 'inf'::double), '-inf'::double), 'nan'::double)`, impute: d.missing.impute, indicator: d.missing.indicator })),
  ].filter((f) => keep(f.name));
  const indicators: NumericFeature[] = base
    .filter((f) => f.indicator)
    .map((f) => ({ name: f.name + INDICATOR_SUFFIX, source: 'indicator' as const, rawSql: `((${f.rawSql}) is null)::integer::double`, impute: 'mean' as const }));
  const numerics: NumericFeature[] = [...base.map(({ indicator: _i, ...f }) => f), ...calendarFeatures(contract).filter((f) => keep(f.name)), ...indicators];
  const categoricals = contract.categoricals.filter((c) => keep(c.name)).map((c) => ({ name: c.name, missing: c.categoricalMissing }));
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
