/** Quotes an SQL identifier. Identifiers come only from validated config; quoting keeps any of them inert. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal, for the few places DuckDB accepts no parameter (e.g. a file path in COPY or read_csv options). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
