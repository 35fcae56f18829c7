import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql, type RawBuilder } from 'kysely';
import { SqlError } from '../errors.ts';

/** A piece of SQL built from validated config with Kysely's `sql` tag, to fill a `{{slot}}` of a `.sql` file. */
export type SqlFragment = RawBuilder<unknown>;

/**
 * What a step's `.sql` file may be given:
 * - `params`: values, written `$name` in the file and bound as parameters;
 * - `slots`: SQL written `{{name}}` in the file, built with Kysely's `sql` tag (e.g. src/sql/features.ts) from validated
 *   config only (identifiers through `sql.id`/`sql.ref`, values through `sql.val`), never from data.
 */
export interface SqlInputs {
  params?: Record<string, unknown>;
  slots?: Record<string, SqlFragment>;
  /** An aggregate over DOUBLE whose result must be bit-identical run to run: run it on one thread. */
  deterministic?: boolean;
  /** Write the values into the text as literals instead of binding them: a `create view` cannot hold parameters. */
  inlineValues?: boolean;
}

// `--` comments, 'strings' and "identifiers" are skipped (kept as text), so a '$' or '{{' inside them is inert.
const TOKEN = /(--[^\n]*|'(?:[^']|'')*'|"(?:[^"]|"")*")|\{\{\s*(\w+)\s*\}\}|\$([a-z_][a-z0-9_]*)/gi;

/**
 * The text of a `.sql` file as one Kysely `RawBuilder`: its own text verbatim, each `{{slot}}` replaced by the
 * fragment given for it, each `$name` by a bound parameter. An unknown slot or parameter is an error, not a blank.
 */
export function renderSqlText(text: string, inputs: Pick<SqlInputs, 'params' | 'slots'>, label: string): RawBuilder<unknown> {
  const strings: string[] = [];
  const values: unknown[] = [];
  const params = inputs.params ?? {};
  const slots = inputs.slots ?? {};
  let last = 0;
  let pending = '';
  for (const m of text.matchAll(TOKEN)) {
    const [whole, skipped, slot, param] = m;
    if (skipped !== undefined) continue;
    pending += text.slice(last, m.index);
    last = m.index + whole.length;
    if (slot !== undefined) {
      if (slot in slots) values.push(slots[slot]);
      else throw new SqlError(`${label}: no fragment '${slot}' was given`, label);
    } else if (param !== undefined) {
      if (!(param in params)) throw new SqlError(`${label}: parameter $${param} was not given`, label);
      values.push(params[param]);
    }
    strings.push(pending);
    pending = '';
  }
  strings.push(pending + text.slice(last));
  // The file's text is the template's literal part; each slot is inlined by Kysely, each value bound.
  return sql(Object.assign(strings, { raw: strings }) as unknown as TemplateStringsArray, ...values.map((v) => (isFragment(v) ? v : sql.val(v))));
}

function isFragment(v: unknown): v is SqlFragment {
  return typeof v === 'object' && v !== null && typeof (v as { toOperationNode?: unknown }).toOperationNode === 'function';
}

/**
 * Kysely without a connection, to compile SQL to the text DuckDB runs (PostgreSQL's compiler, as the DuckDB dialect
 * uses): rendering needs no database, so `pipeline compile` and the snapshot tests need none either.
 */
export const sqlCompiler = new Kysely<Record<string, never>>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** A fragment or file rendered to its final text and bound values (`$1`, `$2`, … in order). */
export function compileSql(builder: RawBuilder<unknown>): { sql: string; params: unknown[] } {
  const compiled = builder.compile(sqlCompiler);
  return { sql: compiled.sql, params: [...compiled.parameters] };
}
