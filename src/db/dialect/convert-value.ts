import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';

/**
 * Converts a value produced by `getRowsJS()` into what the pipeline expects, following its DuckDB type
 * (into lists and structs too): BIGINT/HUGEINT as numbers while they are exact (bigint beyond 2^53),
 * DATE as an ISO `YYYY-MM-DD` string (no time zone can shift it), TIME as `HH:MM:SS[.ffffff]`,
 * TIMESTAMP as a UTC `Date`, BLOB as bytes.
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
    case DuckDBTypeId.TIME:
      return typeof value === 'number' || typeof value === 'bigint' ? timeOfDay(Number(value)) : value;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const child = (type as unknown as { valueType: DuckDBType }).valueType;
      return Array.isArray(value) ? value.map((v) => convertValue(v, child)) : value;
    }
    case DuckDBTypeId.STRUCT: {
      const t = type as unknown as { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
      if (typeof value !== 'object') return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const idx = t.entryNames.indexOf(k);
        out[k] = idx >= 0 ? convertValue(v, t.entryTypes[idx]) : v;
      }
      return out;
    }
    default:
      return deepConvertBigInt(value);
  }
}

function timeOfDay(micros: number): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const s = Math.floor(micros / 1e6);
  const frac = micros % 1e6;
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}${frac ? `.${pad(frac, 6)}` : ''}`;
}

function toNumberIfSafe(value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

function deepConvertBigInt(value: unknown): unknown {
  if (typeof value === 'bigint') return toNumberIfSafe(value);
  if (Array.isArray(value)) return value.map(deepConvertBigInt);
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !ArrayBuffer.isView(value)) {
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
