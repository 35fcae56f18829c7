import { sql } from 'kysely';
import type { Contract, ContractColumn } from '../config/contract.ts';
import { sqlType } from '../db/data-tables.ts';
import { keyColumns, keyNames } from '../sql/features.ts';
import type { SqlFragment } from '../sql/render.ts';

/** Longest text value accepted in an id or other text column without levels (a longer one is corruption, not an id). */
export const MAX_TEXT_LENGTH = 1000;
/** How much of a bad value a reason quotes (the whole value stays in quarantine.raw_values). */
const SHOWN_CHARS = 100;

/** SQL fragments built with the `sql` tag from the validated contract, and the parameter values the files refer to. */
export interface ContractSql {
  slots: Record<string, SqlFragment>;
  params: Record<string, unknown>;
}

/** A column's SQL type: a keyword from sqlType's fixed map, never config text. */
const typeKeyword = (c: ContractColumn): SqlFragment => sql.raw(sqlType(c.type));

function parseExpr(c: ContractColumn, contract: Contract, v: SqlFragment): SqlFragment {
  // the time format is a bound value (try_strptime takes a parameter)
  const fmt = contract.timeFormat;
  switch (c.type) {
    case 'double':
      return sql`try_cast(${v} as double)`;
    case 'integer':
      return sql`try_cast(${v} as bigint)`;
    case 'date':
      return fmt ? sql`try_strptime(${v}, ${fmt})::date` : sql`try_cast(${v} as date)`;
    case 'timestamp':
      return fmt ? sql`try_strptime(${v}, ${fmt})` : sql`try_cast(${v} as timestamp)`;
    default:
      return v;
  }
}

/**
 * Builds, from the contract, the reasons expression (one entry per broken rule) and the typed values
 * inserted into raw_data. Bounds, levels and reason texts are bound values; only column names are written into the
 * SQL, quoted (sql.id).
 *
 * `typedColumns` names the columns the CSV reader has already parsed (the typed path, typedCsvColumns): their value is the
 * parsed value, and it is null exactly when the text is empty, so `any_broken` and the typed values read it as is.
 * (`reasons` is meant for text columns only: the typed path spells out reasons from the text, re-read.)
 */
export function ingestSql(contract: Contract, fileHasTarget: boolean, typedColumns: ReadonlySet<string> = new Set()): ContractSql {
  /** Each rule as the condition that breaks it and the reason given (SQL expressions over the row's text). */
  const checks: { broken: SqlFragment; reason: SqlFragment }[] = [];
  const check = (broken: SqlFragment, reason: SqlFragment) => checks.push({ broken, reason });
  const typed: SqlFragment[] = [];
  const columns: SqlFragment[] = [];
  // Each column's trimmed text and parsed value are computed once, as columns of two nested projections
  // (text_values, then parsed_values), and the rules refer to them: DuckDB does not share repeated
  // subexpressions inside a WHERE, so writing nullif(trim(x), '') into every rule costs one trim per rule.
  const textValues: SqlFragment[] = [];
  const parsedValues: SqlFragment[] = [];
  // SHOWN_CHARS is a constant of this code: written into the SQL as the literal it is
  const cut = sql.lit(SHOWN_CHARS);
  contract.columns.forEach((c, i) => {
    if (c.role === 'target' && !fileHasTarget) return;
    const q = sql.id(c.name);
    const v = sql.id(`__text_${i}`);
    const isTyped = typedColumns.has(c.name) && c.type !== 'varchar';
    textValues.push(isTyped ? sql`${q} as ${v}` : sql`nullif(trim(${q}), '') as ${v}`);
    const parsed = c.type === 'varchar' ? v : sql.id(`__parsed_${i}`);
    if (c.type !== 'varchar') parsedValues.push(sql`${isTyped ? v : parseExpr(c, contract, v)} as ${parsed}`);
    // the start of the reason's text: a bound value
    const label = (text: string): SqlFragment => sql.val(`${c.name}: ${text}`);
    // the raw value as a reason quotes it: cut after SHOWN_CHARS characters
    const shown = sql`(left(${q}, ${cut}) || case when length(${q}) > ${cut} then '…' else '' end)`;
    // The target may be empty in a labelled file: that row is simply unlabelled.
    const required = c.role !== 'target' && !c.nullable;
    if (required) check(sql`${v} is null`, label('missing value'));
    if (c.type === 'double' || c.type === 'integer') {
      check(sql`${v} is not null and ${parsed} is null`, sql`${label(`not ${c.type === 'integer' ? 'an integer' : 'a number'}`)} || ' (' || ${shown} || ')'`);
      if (c.type === 'double') check(sql`isnan(${parsed}) or isinf(${parsed})`, sql`${label('not a finite number')} || ' (' || ${shown} || ')'`);
      if (c.min !== undefined) {
        check(sql`${parsed} < ${c.min}`, sql`${label('below the minimum')} || ' ' || ${c.min}::varchar || ' (' || ${shown} || ')'`);
      }
      if (c.max !== undefined) {
        check(sql`${parsed} > ${c.max}`, sql`${label('above the maximum')} || ' ' || ${c.max}::varchar || ' (' || ${shown} || ')'`);
      }
    } else if (c.type === 'date' || c.type === 'timestamp') {
      const expect = contract.timeFormat ? ` in format ${contract.timeFormat}` : '';
      check(sql`${v} is not null and ${parsed} is null`, sql`${label(`not a valid ${c.type}${expect}`)} || ' (' || ${shown} || ')'`);
    } else if (c.levels) {
      const levels = JSON.stringify(c.levels);
      // a level that differs only in case gets a hint: 'lombardia' (did you mean 'Lombardia'?)
      const sameButCase = sql`list_filter(from_json(${levels}, '["VARCHAR"]'), l -> lower(l) = lower(${v}))[1]`;
      check(
        sql`${v} is not null and not list_contains(from_json(${levels}, '["VARCHAR"]'), ${v})`,
        sql`${label('unknown level')} || ' ''' || ${shown} || '''' || coalesce(' (did you mean ''' || ${sameButCase} || '''?)', '')`,
      );
    } else if (c.type === 'varchar') {
      // ids and other free text: no line breaks, tabs or NUL bytes (a quoted line break is a broken file, not an id), and a sane length
      check(sql`regexp_matches(${v}, '[\\x00-\\x1f\\x7f]')`, label('contains a control character (line break, tab or NUL byte)'));
      check(sql`length(${v}) > ${MAX_TEXT_LENGTH}`, sql`${label('longer than')} || ' ' || ${MAX_TEXT_LENGTH}::varchar || ' characters (' || length(${v})::varchar || ')'`);
    }
    columns.push(q);
    typed.push(c.type === 'varchar' ? v : sql`${parsed}::${typeKeyword(c)}`);
  });
  return {
    params: { key_label: `(${keyNames(contract).join(', ')})` },
    slots: {
      reasons: sql`list_filter([${sql.join(
        checks.map((c) => sql`case when ${c.broken} then ${c.reason} end`),
        sql`,\n            `,
      )}], r -> r is not null)`,
      // true when a rule is broken (a rule whose condition is NULL is not broken, as in reasons)
      any_broken: checks.length ? sql`coalesce(${sql.join(checks.map((c) => sql`(${c.broken})`), sql`\n        or `)}, false)` : sql`false`,
      text_values: sql.join(textValues),
      parsed_values: parsedValues.length ? sql.join(parsedValues) : sql`1 as __parsed_none`,
      columns: sql.join(columns),
      typed_values: sql.join(typed),
      target: sql.id(contract.target.name),
      timestamp: sql.id(contract.timestamp.name),
      key_names: keyColumns(contract),
      key_match: sql.join(keyNames(contract).map((n) => sql`${sql.id('r', n)} = ${sql.id('n', n)}`), sql` and `),
    },
  };
}

/** A time format of only year, month and day fields: DuckDB's CSV reader parses it as `try_strptime(…)::date` does. */
const DATE_ONLY_FORMAT = /^(?:%[Ymd]|[-/. ])+$/;

/**
 * The contract columns the typed path lets the CSV reader parse: numbers (double) and dates with a date-only format.
 * For these the reader's value is the one `try_cast(trim(x) as double)` / `try_strptime(trim(x), format)::date` gives,
 * or the record is rejected, or (for NaN, infinity, overflow) the value breaks a rule; either way the record is then
 * re-read as text (see ingest.ts). Integers and timestamps stay text: the reader's parse of them may differ.
 */
export function typedCsvColumns(contract: Contract): Map<string, 'DOUBLE' | 'DATE'> {
  const typed = new Map<string, 'DOUBLE' | 'DATE'>();
  for (const c of contract.columns) {
    if (c.type === 'double') typed.set(c.name, 'DOUBLE');
    else if (c.type === 'date' && contract.timeFormat && DATE_ONLY_FORMAT.test(contract.timeFormat)) typed.set(c.name, 'DATE');
  }
  return typed;
}
