import { sql, type DatabaseIntrospector, type DatabaseMetadata, type DatabaseMetadataOptions, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';

/** Reads tables and columns from DuckDB's `information_schema` (PostgreSQL's introspector queries pg_catalog, which DuckDB lacks). */
export class DuckDBIntrospector implements DatabaseIntrospector {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #db: Kysely<any>;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(db: Kysely<any>) {
    this.#db = db;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select schema_name as name from information_schema.schemata`.execute(this.#db);
    return rows.map((r) => ({ name: r.name }));
  }

  async getTables(_options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    const { rows } = await sql<{ schema: string; table_name: string; table_type: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>`
      select c.table_schema as schema, c.table_name, t.table_type, c.column_name, c.data_type, c.is_nullable, c.column_default
      from information_schema.columns c
      join information_schema.tables t using (table_catalog, table_schema, table_name)
      where c.table_schema = 'main'
      order by c.table_name, c.ordinal_position`.execute(this.#db);
    const tables = new Map<string, TableMetadata>();
    for (const r of rows) {
      let t = tables.get(r.table_name);
      if (!t) {
        t = { name: r.table_name, schema: r.schema, isView: r.table_type === 'VIEW', columns: [] };
        tables.set(r.table_name, t);
      }
      (t.columns as unknown[]).push({
        name: r.column_name,
        dataType: r.data_type,
        isNullable: r.is_nullable === 'YES',
        isAutoIncrementing: false,
        hasDefaultValue: r.column_default !== null,
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}
