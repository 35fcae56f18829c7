import type { Contract, ContractColumn } from '../config/contract.ts';
import { sqlType } from '../db/data-tables.ts';
import { quoteIdent } from '../db/sql-text.ts';

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
 */
export function ingestSql(contract: Contract, fileHasTarget: boolean): ContractSql {
  const params: Record<string, unknown> = {};
  const checks: string[] = [];
  const typed: string[] = [];
  const columns: string[] = [];
  const fmt = '$time_format';
  if (contract.timeFormat) params.time_format = contract.timeFormat;
  contract.columns.forEach((c, i) => {
    if (c.role === 'target' && !fileHasTarget) return;
    const q = quoteIdent(c.name);
    const v = `nullif(trim(${q}), '')`;
    const parsed = parseExpr(c, contract, v, fmt);
    const label = (text: string) => `'${c.name}: ${text}'`;
    // The target may be empty in a labelled file: that row is simply unlabelled.
    const required = c.role !== 'target' && !c.nullable;
    if (required) checks.push(`case when ${v} is null then ${label('missing value')} end`);
    if (c.type === 'double' || c.type === 'integer') {
      checks.push(`case when ${v} is not null and ${parsed} is null then ${label(`not ${c.type === 'integer' ? 'an integer' : 'a number'}`)} || ' (' || ${q} || ')' end`);
      if (c.type === 'double') checks.push(`case when isnan(${parsed}) or isinf(${parsed}) then ${label('not a finite number')} || ' (' || ${q} || ')' end`);
      if (c.min !== undefined) {
        params[`min_${i}`] = c.min;
        checks.push(`case when ${parsed} < $min_${i} then ${label('below the minimum')} || ' ' || $min_${i}::varchar || ' (' || ${q} || ')' end`);
      }
      if (c.max !== undefined) {
        params[`max_${i}`] = c.max;
        checks.push(`case when ${parsed} > $max_${i} then ${label('above the maximum')} || ' ' || $max_${i}::varchar || ' (' || ${q} || ')' end`);
      }
    } else if (c.type === 'date' || c.type === 'timestamp') {
      const expect = contract.timeFormat ? ` in format ${contract.timeFormat.replace(/'/g, "''")}` : '';
      checks.push(`case when ${v} is not null and ${parsed} is null then ${label(`not a valid ${c.type}${expect}`)} || ' (' || ${q} || ')' end`);
    } else if (c.levels) {
      params[`levels_${i}`] = JSON.stringify(c.levels);
      checks.push(`case when ${v} is not null and not list_contains(from_json($levels_${i}, '["VARCHAR"]'), ${v}) then ${label('unknown level')} || ' ''' || ${q} || '''' end`);
    }
    columns.push(q);
    typed.push(c.type === 'varchar' ? `${v}` : `${parsed}::${sqlType(c.type)}`);
  });
  const keyCols = [...contract.idColumns, contract.timestamp.name].map((n) => `nullif(trim(${quoteIdent(n)}), '')`);
  params.key_label = `(${[...contract.idColumns, contract.timestamp.name].join(', ')})`;
  return {
    params,
    fragments: {
      reasons: `list_filter([${checks.join(',\n            ')}], r -> r is not null)`,
      key_columns: keyCols.join(', '),
      columns: columns.join(', '),
      typed_values: typed.join(', '),
      target: quoteIdent(contract.target.name),
      timestamp: quoteIdent(contract.timestamp.name),
      key_names: [...contract.idColumns, contract.timestamp.name].map(quoteIdent).join(', '),
      key_match: [...contract.idColumns, contract.timestamp.name].map((n) => `r.${quoteIdent(n)} = n.${quoteIdent(n)}`).join(' and '),
    },
  };
}
