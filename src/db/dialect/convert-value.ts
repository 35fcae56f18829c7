import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';

/**
 * Converts a value produced by `getRowObjectsJS()` into what the pipeline expects:
 * BIGINT/HUGEINT counts as numbers while they are exact (bigint beyond 2^53),
 * DATE as an ISO `YYYY-MM-DD` string (no time zone can shift it), TIMESTAMP as a UTC `Date`.
 */
export function convertValue(value: unknown, type: DuckDBType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
      return toNumberIfSafe(value);
    case DuckDBTypeId.DATE:
      return value instanceof Date ? value.toISOString().slice(0, 10) : value;
    default:
      return deepConvertBigInt(value);
  }
}

function toNumberIfSafe(value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

function deepConvertBigInt(value: unknown): unknown {
  if (typeof value === 'bigint') return toNumberIfSafe(value);
  if (Array.isArray(value)) return value.map(deepConvertBigInt);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = deepConvertBigInt(v);
    return out;
  }
  return value;
}

/** Converts a bound parameter into something DuckDB's binder accepts. */
export function convertParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string' || typeof value === 'bigint' || value === null) return value;
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value) || typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
