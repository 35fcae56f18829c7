/**
 * The Database interface (src/db/tables.ts) is the one copy of the migrated tables' row types: this test reads its
 * interfaces with the TypeScript compiler and checks them against the schema the migrations create (every base
 * table, every column, its type and nullability), so a migration and the interface cannot drift apart unnoticed.
 */
import { expect } from 'chai';
import path from 'node:path';
import ts from 'typescript';
import { openDatabase } from '../../../src/db/database.ts';
import { PROJECT_ROOT } from '../../support/helpers.ts';

/** The TypeScript types a DuckDB column type may be declared as (before `| null`). */
const TS_TYPES: Record<string, readonly string[]> = {
  INTEGER: ['number'],
  BIGINT: ['number'],
  DOUBLE: ['number'],
  VARCHAR: ['string'],
  BOOLEAN: ['boolean'],
  TIMESTAMP: ['Timestamp', 'TimestampDefault'],
  JSON: ['Json'],
  'VARCHAR[]': ['string[]'],
  'DOUBLE[]': ['number[]'],
  'INTEGER[]': ['number[]'],
};

/** table → column → declared type text, from the interfaces the `Database` interface names. */
function declaredTables(): Map<string, Map<string, string>> {
  const file = path.join(PROJECT_ROOT, 'src/db/tables.ts');
  const source = ts.createSourceFile(file, ts.sys.readFile(file)!, ts.ScriptTarget.Latest, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
  });
  const database = interfaces.get('Database');
  expect(database, 'interface Database in src/db/tables.ts').to.exist;
  const out = new Map<string, Map<string, string>>();
  for (const member of database!.members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const table = (member.name as ts.Identifier).text;
    const rowType = member.type.getText(source);
    const row = interfaces.get(rowType);
    expect(row, `interface ${rowType} of Database.${table}`).to.exist;
    const columns = new Map<string, string>();
    for (const c of row!.members) {
      if (ts.isPropertySignature(c) && c.type) columns.set((c.name as ts.Identifier).text, c.type.getText(source).replace(/\s+/g, ' '));
    }
    out.set(table, columns);
  }
  return out;
}

type Migrated = Map<string, { column: string; type: string; nullable: boolean }[]>;

/** What differs between the declared row types and the migrated columns, one line each. */
function mismatches(declared: Map<string, Map<string, string>>, migrated: Migrated): string[] {
  const problems: string[] = [];
  for (const [table, columns] of migrated) {
    const types = declared.get(table);
    if (!types) continue;
    for (const c of columns) {
      const text = types.get(c.column);
      if (text === undefined) {
        problems.push(`${table}.${c.column} (${c.type}) is not declared`);
        continue;
      }
      const nullable = / \| null$/.test(text);
      const base = text.replace(/ \| null$/, '');
      if (!(TS_TYPES[c.type] ?? []).includes(base)) problems.push(`${table}.${c.column}: declared ${text}, but the column is ${c.type} (expected one of ${(TS_TYPES[c.type] ?? ['?']).join(', ')})`);
      if (nullable !== c.nullable) problems.push(`${table}.${c.column}: declared ${text}, but the column is ${c.nullable ? 'nullable' : 'not null'}`);
    }
    for (const name of types.keys()) if (!columns.some((c) => c.column === name)) problems.push(`${table}.${name} is declared but the table has no such column`);
  }
  return problems;
}

describe('db: the Database interface matches the migrated schema', () => {
  let migrated: Migrated;
  let declared: Map<string, Map<string, string>>;

  before(async () => {
    declared = declaredTables();
    const db = await openDatabase(':memory:');
    try {
      const rows = await db.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
        `select c.table_name, c.column_name, c.data_type, c.is_nullable
         from information_schema.columns c
         join information_schema.tables t using (table_catalog, table_schema, table_name)
         where c.table_schema = 'main' and t.table_type = 'BASE TABLE'
         order by c.table_name, c.ordinal_position`,
      );
      migrated = new Map();
      for (const r of rows) migrated.set(r.table_name, [...(migrated.get(r.table_name) ?? []), { column: r.column_name, type: r.data_type, nullable: r.is_nullable === 'YES' }]);
    } finally {
      await db.close();
    }
  });

  it('names every table the migrations create, and no other', () => {
    expect([...declared.keys()].sort()).to.deep.equal([...migrated.keys()].sort());
  });

  it('gives every table exactly its columns, each with its type and nullability', () => {
    expect(mismatches(declared, migrated)).to.deep.equal([]);
  });

  it('reports a column declared nullable that is not, a wrong type, a missing and an extra column', () => {
    const edited = new Map([...declared].map(([t, cols]) => [t, new Map(cols)]));
    const runs = edited.get('pipeline_runs')!;
    runs.set('status', 'string | null');
    runs.set('run_id', 'string');
    runs.delete('stage');
    runs.set('no_such_column', 'number');
    expect(mismatches(edited, migrated)).to.deep.equal([
      'pipeline_runs.run_id: declared string, but the column is INTEGER (expected one of number)',
      'pipeline_runs.stage (VARCHAR) is not declared',
      'pipeline_runs.status: declared string | null, but the column is not null',
      'pipeline_runs.no_such_column is declared but the table has no such column',
    ]);
  });
});
