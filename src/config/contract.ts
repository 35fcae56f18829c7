import type { ColumnSpec, ParsedConfig } from './schema.ts';
import { parseExpression } from './expression.ts';

/** Column names the pipeline adds to its data tables; a contract may not use them. */
export const RESERVED_COLUMNS = ['batch_id', 'source_row', 'run_id', 'model_version', 'prediction', 'prediction_lower', 'prediction_upper', 'flags', 'served_at', 'leverage', 'is_test', 'row_key', 'unseen_levels', 'clipped_values', 'superseded_by'];

export type ColumnType = 'varchar' | 'double' | 'integer' | 'date' | 'timestamp';

export interface ContractColumn {
  name: string;
  role: ColumnSpec['role'];
  type: ColumnType;
  levels?: readonly string[];
  min?: number;
  max?: number;
  nullable: boolean;
}

export interface DerivedFeature {
  name: string;
  /** The validated expression, every column quoted. */
  sql: string;
  columns: readonly string[];
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
    cols.push({ name: c.name, role: c.role, type, levels: c.levels, min: c.min, max: c.max, nullable: c.nullable });
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
  for (const [name, expr] of Object.entries(ds.derived)) {
    const path = `dataset.derived.${name}`;
    if (seen.has(name)) errors.push(`${path}: the name is already a column`);
    if (RESERVED_COLUMNS.includes(name)) errors.push(`${path}: '${name}' is reserved for the pipeline's own columns`);
    const parsed = parseExpression(expr, numericNames);
    if (!parsed.ok) for (const e of parsed.errors) errors.push(`${path}: ${e}`);
    else derived.push({ name, sql: parsed.value.sql, columns: parsed.value.columns });
  }

  const featureNames = new Set([...numericNames, ...byRole('categorical').map((c) => c.name), ...derived.map((d) => d.name)]);
  cfg.steps.model_training.exclude_features.forEach((f, i, all) => {
    if (!featureNames.has(f)) errors.push(`steps.model_training.exclude_features.${i}: '${f}' is not a feature of the contract`);
    const first = all.indexOf(f);
    if (first < i) errors.push(`steps.model_training.exclude_features.${i}: '${f}' is already listed (item ${first})`);
  });
  for (const f of Object.keys(cfg.steps.data_drift_detection.features)) {
    if (!featureNames.has(f)) errors.push(`steps.data_drift_detection.features.${f}: not a feature of the contract (features: ${[...featureNames].join(', ')})`);
  }
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
