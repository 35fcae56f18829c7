import type { ColumnSpec, ParsedConfig } from './schema.ts';
import { parseExpression } from './expression.ts';
import { driftOverrideProblems } from './drift-overrides.ts';

/** Column names the pipeline adds to its data tables; a contract may not use them. */
export const RESERVED_COLUMNS = ['batch_id', 'source_row', 'run_id', 'model_version', 'prediction', 'prediction_lower', 'prediction_upper', 'flags', 'served_at', 'leverage', 'is_test', 'row_key', 'unseen_levels', 'clipped_values', 'imputed_values', 'superseded_by'];

export type ColumnType = 'varchar' | 'double' | 'integer' | 'date' | 'timestamp';

/**
 * What a feature's missing value becomes. Numeric: `reject` (the row is quarantined at ingest) or imputed
 * with a training statistic, optionally with a 0/1 missing-indicator feature. Categorical: `reject`, the
 * level `(missing)` (`missing_level`), or the most frequent training level (`most_frequent`).
 */
export type NumericMissing = { kind: 'reject' } | { kind: 'impute'; impute: 'mean' | 'median'; indicator: boolean };
export type CategoricalMissing = 'reject' | 'missing_level' | 'most_frequent';

/** The level a missing categorical value becomes under `missing_level`. */
export const MISSING_LEVEL = '(missing)';
/** Suffix of a numeric feature's missing indicator (`<feature>__missing`). */
export const INDICATOR_SUFFIX = '__missing';

export interface ContractColumn {
  name: string;
  role: ColumnSpec['role'];
  type: ColumnType;
  levels?: readonly string[];
  min?: number;
  max?: number;
  nullable: boolean;
  /** Numeric columns: the missing-value policy. */
  numericMissing?: NumericMissing;
  /** Categorical columns: the missing-value policy. */
  categoricalMissing?: CategoricalMissing;
}

export interface DerivedFeature {
  name: string;
  /** The validated expression, every column quoted. */
  sql: string;
  columns: readonly string[];
  /** A derived value is missing when an input is, or when it is not finite (e.g. a division by zero). Never rejected. */
  missing: Extract<NumericMissing, { kind: 'impute' }>;
}

/** The dataset contract in the shape the steps use: columns by role, types resolved. */
export interface Contract {
  name: string;
  delimiter: string;
  columns: readonly ContractColumn[];
  idColumns: readonly string[];
  timestamp: ContractColumn;
  timeKind: 'date' | 'timestamp' | 'integer';
  timeFormat: string | undefined;
  calendarFeatures: boolean;
  categoricals: readonly ContractColumn[];
  numerics: readonly ContractColumn[];
  target: ContractColumn;
  derived: readonly DerivedFeature[];
}

function defaultType(col: ColumnSpec, timeKind: Contract['timeKind']): ColumnType {
  if (col.type) return col.type;
  switch (col.role) {
    case 'id':
    case 'categorical':
      return 'varchar';
    case 'timestamp':
      return timeKind;
    default:
      return 'double';
  }
}

/**
 * A column's missing-value policy and whether it is nullable at ingest. `missing: reject` is `nullable: false`
 * (the row is quarantined); an imputing policy makes the column nullable. Contradictions are errors.
 */
function resolveMissing(c: ColumnSpec, path: string, errors: string[]): { nullable: boolean; numeric?: NumericMissing; categorical?: CategoricalMissing } {
  const m = c.missing;
  if (m !== undefined && c.role !== 'numeric' && c.role !== 'categorical') {
    errors.push(`${path}.missing: only numeric and categorical columns have a missing-value policy (this is a ${c.role} column)`);
    return { nullable: c.nullable ?? false };
  }
  if (m === 'reject' && c.nullable === true) errors.push(`${path}.missing: 'reject' contradicts nullable: true (a rejected missing value is not allowed)`);
  if (m !== undefined && m !== 'reject' && c.nullable === false) errors.push(`${path}.missing: an imputing policy contradicts nullable: false (drop one of them)`);
  const nullable = c.nullable ?? (m !== undefined && m !== 'reject');
  if (c.role === 'numeric') {
    if (m === 'missing_level' || m === 'most_frequent') {
      errors.push(`${path}.missing: '${m}' is for categorical columns; a numeric column takes reject or { impute: mean|median, indicator: true|false }`);
      return { nullable };
    }
    const numeric: NumericMissing = !nullable ? { kind: 'reject' } : typeof m === 'object' ? { kind: 'impute', ...m } : { kind: 'impute', impute: 'mean', indicator: false };
    return { nullable, numeric };
  }
  if (c.role === 'categorical') {
    if (typeof m === 'object') {
      errors.push(`${path}.missing: a categorical column takes reject, missing_level or most_frequent (impute/indicator are for numeric columns)`);
      return { nullable };
    }
    return { nullable, categorical: !nullable ? 'reject' : m === undefined || m === 'reject' ? 'missing_level' : m };
  }
  return { nullable };
}

/** Builds the contract, collecting every semantic problem with its key path. */
export function buildContract(cfg: ParsedConfig, errors: string[]): Contract | undefined {
  const ds = cfg.dataset;
  const cols: ContractColumn[] = [];
  const seen = new Map<string, number>();
  ds.columns.forEach((c, i) => {
    const path = `dataset.columns.${i}`;
    if (RESERVED_COLUMNS.includes(c.name)) errors.push(`${path}.name: '${c.name}' is reserved for the pipeline's own columns`);
    if (seen.has(c.name)) errors.push(`${path}.name: duplicate column '${c.name}' (also dataset.columns.${seen.get(c.name)})`);
    seen.set(c.name, i);
    const type = defaultType(c, ds.time.column_kind);
    if (c.levels && c.role !== 'categorical') errors.push(`${path}.levels: only categorical columns have levels`);
    if ((c.min !== undefined || c.max !== undefined) && !['numeric', 'target'].includes(c.role)) errors.push(`${path}: min/max apply to numeric and target columns only`);
    if (c.min !== undefined && c.max !== undefined && c.min > c.max) errors.push(`${path}: min ${c.min} is greater than max ${c.max}`);
    if (['numeric', 'target'].includes(c.role) && !['double', 'integer'].includes(type)) errors.push(`${path}.type: a ${c.role} column must be double or integer, not ${type}`);
    if (c.role === 'categorical' && type !== 'varchar') errors.push(`${path}.type: a categorical column must be varchar`);
    if (c.role === 'timestamp' && type !== ds.time.column_kind) errors.push(`${path}.type: the timestamp column is ${type} but dataset.time.column_kind is ${ds.time.column_kind}`);
    const m = resolveMissing(c, path, errors);
    cols.push({ name: c.name, role: c.role, type, levels: c.levels, min: c.min, max: c.max, nullable: m.nullable, numericMissing: m.numeric, categoricalMissing: m.categorical });
  });
  const byRole = (role: ColumnSpec['role']) => cols.filter((c) => c.role === role);
  const ids = byRole('id');
  const timestamps = byRole('timestamp');
  const targets = byRole('target');
  if (ids.length === 0) errors.push(`dataset.columns: no column has role 'id' (the row key is the id columns plus the timestamp)`);
  if (timestamps.length !== 1) errors.push(`dataset.columns: exactly one column must have role 'timestamp' (found ${timestamps.length})`);
  if (targets.length !== 1) errors.push(`dataset.columns: exactly one column must have role 'target' (found ${targets.length})`);
  if (byRole('numeric').length + byRole('categorical').length === 0) errors.push(`dataset.columns: no feature columns (role 'numeric' or 'categorical')`);
  if (ds.time.format && ds.time.column_kind === 'integer') errors.push(`dataset.time.format: an integer period has no format`);

  const numericNames = new Set(byRole('numeric').map((c) => c.name));
  const derived: DerivedFeature[] = [];
  for (const [name, spec] of Object.entries(ds.derived)) {
    const path = `dataset.derived.${name}`;
    const expr = typeof spec === 'string' ? spec : spec.expression;
    const missing = typeof spec === 'string' || !spec.missing ? { kind: 'impute' as const, impute: 'mean' as const, indicator: false } : { kind: 'impute' as const, ...spec.missing };
    if (seen.has(name)) errors.push(`${path}: the name is already a column`);
    if (RESERVED_COLUMNS.includes(name)) errors.push(`${path}: '${name}' is reserved for the pipeline's own columns`);
    const parsed = parseExpression(expr, numericNames);
    if (!parsed.ok) for (const e of parsed.errors) errors.push(`${path}: ${e}`);
    else derived.push({ name, sql: parsed.value.sql, columns: parsed.value.columns, missing });
  }

  const featureNames = new Set([...numericNames, ...byRole('categorical').map((c) => c.name), ...derived.map((d) => d.name)]);
  // A missing indicator is a feature of its own: its name must not be taken.
  const indicatorOf = [...cols.map((c) => ({ name: c.name, m: c.numericMissing })), ...derived.map((d) => ({ name: d.name, m: d.missing as NumericMissing }))];
  for (const { name, m } of indicatorOf) {
    if (m?.kind === 'impute' && m.indicator && (seen.has(name + INDICATOR_SUFFIX) || featureNames.has(name + INDICATOR_SUFFIX))) {
      errors.push(`dataset: the missing indicator of '${name}' would be named '${name}${INDICATOR_SUFFIX}', which is already a column or derived feature`);
    }
  }
  const group = cfg.steps.model_prediction.conformal_group;
  if (group !== undefined && !byRole('categorical').some((c) => c.name === group)) {
    errors.push(`steps.model_prediction.conformal_group: '${group}' is not a categorical column of the contract (categoricals: ${byRole('categorical').map((c) => c.name).join(', ') || 'none'})`);
  }
  cfg.steps.model_training.exclude_features.forEach((f, i, all) => {
    if (!featureNames.has(f)) errors.push(`steps.model_training.exclude_features.${i}: '${f}' is not a feature of the contract`);
    const first = all.indexOf(f);
    if (first < i) errors.push(`steps.model_training.exclude_features.${i}: '${f}' is already listed (item ${first})`);
  });
  for (const f of Object.keys(cfg.steps.data_drift_detection.features)) {
    if (!featureNames.has(f)) errors.push(`steps.data_drift_detection.features.${f}: not a feature of the contract (features: ${[...featureNames].join(', ')})`);
  }
  errors.push(...driftOverrideProblems(cfg, new Set([...numericNames, ...derived.map((d) => d.name)]), new Set(byRole('categorical').map((c) => c.name))));
  const [lo, hi] = cfg.steps.data_processing.clip_quantiles;
  if (lo >= hi) errors.push(`steps.data_processing.clip_quantiles: lower ${lo} must be below upper ${hi}`);

  if (timestamps.length !== 1 || targets.length !== 1) return undefined;
  return {
    name: ds.name,
    delimiter: ds.delimiter,
    columns: cols,
    idColumns: ids.map((c) => c.name),
    timestamp: timestamps[0],
    timeKind: ds.time.column_kind,
    timeFormat: ds.time.format,
    calendarFeatures: ds.time.calendar_features && ds.time.column_kind !== 'integer',
    categoricals: byRole('categorical'),
    numerics: byRole('numeric'),
    target: targets[0],
    derived,
  };
}
