import type { Contract, ContractColumn } from '../config/contract.ts';
import { sqlType } from '../db/data-tables.ts';
import { quoteIdent } from '../db/sql-text.ts';

/** Longest text value accepted in an id or other text column without levels (a longer one is corruption, not an id). */
export const MAX_TEXT_LENGTH = 1000;
/** How much of a bad value a reason quotes (the whole value stays in quarantine.raw_values). */
const SHOWN_CHARS = 100;

/** SQL fragments (from the validated contract) and the parameter values they refer to. */
export interface ContractSql {
  fragments: Record<string, string>;
  params: Record<string, unknown>;
}

function parseExpr(c: ContractColumn, contract: Contract, v: string, fmtParam: string): string {
  switch (c.type) {
    case 'double':
      return `try_cast(${v} as double)`;
    case 'integer':
      return `try_cast(${v} as bigint)`;
    case 'date':
      return contract.timeFormat ? `try_strptime(${v}, ${fmtParam})::date` : `try_cast(${v} as date)`;
    case 'timestamp':
      return contract.timeFormat ? `try_strptime(${v}, ${fmtParam})` : `try_cast(${v} as timestamp)`;
    default:
      return v;
  }
}

/**
 * Builds, from the contract, the reasons expression (one entry per broken rule) and the typed values
 * inserted into raw_data. Bounds and levels are parameters; only column names are written into the SQL, quoted.
 *
 * `typedColumns` names the columns the CSV reader has already parsed (the typed path, typedCsvColumns): their value is the
 * parsed value, and it is null exactly when the text is empty, so `any_broken` and the typed values read it as is.
 * (`reasons` is meant for text columns only: the typed path spells out reasons from the text, re-read.)
 */
export function ingestSql(contract: Contract, fileHasTarget: boolean, typedColumns: ReadonlySet<string> = new Set()): ContractSql {
  const params: Record<string, unknown> = {};
  /** Each rule as the condition that breaks it and the reason given (SQL expressions over the row's text). */
  const checks: { broken: string; reason: string }[] = [];
  const check = (broken: string, reason: string) => checks.push({ broken, reason });
  const typed: string[] = [];
  const columns: string[] = [];
  // Each column's trimmed text and parsed value are computed once, as columns of two nested projections
  // (text_values, then parsed_values), and the rules refer to them: DuckDB does not share repeated
  // subexpressions inside a WHERE, so writing nullif(trim(x), '') into every rule costs one trim per rule.
  const textValues: string[] = [];
  const parsedValues: string[] = [];
  const fmt = '$time_format';
  if (contract.timeFormat) params.time_format = contract.timeFormat;
  contract.columns.forEach((c, i) => {
    if (c.role === 'target' && !fileHasTarget) return;
    const q = quoteIdent(c.name);
    const v = `__text_${i}`;
    const isTyped = typedColumns.has(c.name) && c.type !== 'varchar';
    textValues.push(isTyped ? `${q} as ${v}` : `nullif(trim(${q}), '') as ${v}`);
    const parsed = c.type === 'varchar' ? v : `__parsed_${i}`;
    if (c.type !== 'varchar') parsedValues.push(`${isTyped ? v : parseExpr(c, contract, v, fmt)} as ${parsed}`);
    const label = (text: string) => `'${c.name}: ${text}'`;
    // the raw value as a reason quotes it: cut after SHOWN_CHARS characters
    const shown = `(left(${q}, ${SHOWN_CHARS}) || case when length(${q}) > ${SHOWN_CHARS} then '…' else '' end)`;
    // The target may be empty in a labelled file: that row is simply unlabelled.
    const required = c.role !== 'target' && !c.nullable;
    if (required) check(`${v} is null`, label('missing value'));
    if (c.type === 'double' || c.type === 'integer') {
      check(`${v} is not null and ${parsed} is null`, `${label(`not ${c.type === 'integer' ? 'an integer' : 'a number'}`)} || ' (' || ${shown} || ')'`);
      if (c.type === 'double') check(`isnan(${parsed}) or isinf(${parsed})`, `${label('not a finite number')} || ' (' || ${shown} || ')'`);
      if (c.min !== undefined) {
        params[`min_${i}`] = c.min;
        check(`${parsed} < $min_${i}`, `${label('below the minimum')} || ' ' || $min_${i}::varchar || ' (' || ${shown} || ')'`);
      }
      if (c.max !== undefined) {
        params[`max_${i}`] = c.max;
        check(`${parsed} > $max_${i}`, `${label('above the maximum')} || ' ' || $max_${i}::varchar || ' (' || ${shown} || ')'`);
      }
    } else if (c.type === 'date' || c.type === 'timestamp') {
      const expect = contract.timeFormat ? ` in format ${contract.timeFormat.replace(/'/g, "''")}` : '';
      check(`${v} is not null and ${parsed} is null`, `${label(`not a valid ${c.type}${expect}`)} || ' (' || ${shown} || ')'`);
    } else if (c.levels) {
      params[`levels_${i}`] = JSON.stringify(c.levels);
      // a level that differs only in case gets a hint: 'lombardia' (did you mean 'Lombardia'?)
      const sameButCase = `list_filter(from_json($levels_${i}, '["VARCHAR"]'), l -> lower(l) = lower(${v}))[1]`;
      check(
        `${v} is not null and not list_contains(from_json($levels_${i}, '["VARCHAR"]'), ${v})`,
        `${label('unknown level')} || ' ''' || ${shown} || '''' || coalesce(' (did you mean ''' || ${sameButCase} || '''?)', '')`,
      );
    } else if (c.type === 'varchar') {
      // ids and other free text: no line breaks, tabs or NUL bytes (a quoted line break is a broken file, not an id), and a sane length
      params.max_text_length = MAX_TEXT_LENGTH;
      check(`regexp_matches(${v}, '[\\x00-\\x1f\\x7f]')`, label('contains a control character (line break, tab or NUL byte)'));
      check(`length(${v}) > $max_text_length`, `${label('longer than')} || ' ' || $max_text_length::varchar || ' characters (' || length(${v})::varchar || ')'`);
    }
    columns.push(q);
    typed.push(c.type === 'varchar' ? v : `${parsed}::${sqlType(c.type)}`);
  });
  params.key_label = `(${[...contract.idColumns, contract.timestamp.name].join(', ')})`;
  return {
    params,
    fragments: {
      reasons: `list_filter([${checks.map((c) => `case when ${c.broken} then ${c.reason} end`).join(',\n            ')}], r -> r is not null)`,
      // true when a rule is broken (a rule whose condition is NULL is not broken, as in reasons)
      any_broken: checks.length ? `coalesce(${checks.map((c) => `(${c.broken})`).join('\n        or ')}, false)` : 'false',
      text_values: textValues.join(', '),
      parsed_values: parsedValues.length ? parsedValues.join(', ') : '1 as __parsed_none',
      columns: columns.join(', '),
      typed_values: typed.join(', '),
      target: quoteIdent(contract.target.name),
      timestamp: quoteIdent(contract.timestamp.name),
      key_names: [...contract.idColumns, contract.timestamp.name].map(quoteIdent).join(', '),
      key_match: [...contract.idColumns, contract.timestamp.name].map((n) => `r.${quoteIdent(n)} = n.${quoteIdent(n)}`).join(' and '),
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
