import { statSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.ts';
import { openDatabase } from '../db/database.ts';
import { renderSql } from '../db/sql-runner.ts';
import { quoteIdent, quoteLiteral } from '../db/sql-text.ts';
import { ConfigError } from '../errors.ts';
import { logger } from '../logger.ts';
import { corruptionsFor } from './corruptions.ts';
import { loadSyntheticSpec } from './synthetic-spec.ts';

export interface GenerateOptions {
  rows: number;
  seed: number;
  scenario: string;
  out: string;
  startDate: string;
  badRows?: number;
  withTarget?: boolean;
  /** Size of the facility universe (default: the generator's own). */
  facilities?: number;
}

export interface GenerateResult {
  file: string;
  rows: number;
  badRows: number;
  bytes: number;
  format: 'csv' | 'parquet';
}

export function fileFormat(file: string): 'csv' | 'parquet' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.parquet') return 'parquet';
  throw new ConfigError(`cannot tell the format of ${file}: use a .csv or .parquet file name`);
}

/**
 * Writes a synthetic dataset for the configured contract, deterministically from the seed:
 * the generator's SQL runs in an in-memory DuckDB and COPY writes the file in row order.
 */
export async function generate(config: Config, opts: GenerateOptions): Promise<GenerateResult> {
  const contract = config.contract;
  const spec = loadSyntheticSpec(config);
  if (!spec.scenarios.includes(opts.scenario)) {
    throw new ConfigError(`unknown scenario '${opts.scenario}' for dataset ${contract.name} (scenarios: ${spec.scenarios.join(', ')})`);
  }
  const badFraction = opts.badRows ?? 0;
  if (!(badFraction >= 0 && badFraction <= 1)) throw new ConfigError(`--bad-rows must be a fraction between 0 and 1 (got ${opts.badRows})`);
  const withTarget = opts.withTarget ?? true;
  const format = fileFormat(opts.out);
  const out = path.resolve(opts.out);
  mkdirSync(path.dirname(out), { recursive: true });

  const { sql: genSql, params } = renderSql(spec.sql, {
    params: { rows: opts.rows, seed: opts.seed, start_date: opts.startDate, truth: JSON.stringify(spec.truth), scenario: opts.scenario, facilities: opts.facilities ?? null },
  }, spec.file);
  const n = params.length;
  const seedParam = `$${n + 1}`;
  const fracParam = `$${n + 2}`;
  const columns = contract.columns.filter((c) => withTarget || c.role !== 'target');
  let select: string;
  if (badFraction > 0) {
    const corruptions = corruptionsFor(contract, withTarget);
    // A bad row gets exactly one corruption, picked by hash so the file stays a function of the seed.
    const pick = `hash(${seedParam}, _i * 32 + 31) % ${corruptions.length}`;
    const isBad = `(((hash(${seedParam}, _i * 32 + 30) >> 11)::double + 0.5) / 9007199254740992.0 < ${fracParam})`;
    const list = columns.map((c) => {
      const cases = corruptions
        .map((k, idx) => ({ k, idx }))
        .filter(({ k }) => k.column === c.name)
        .map(({ k, idx }) => `when ${isBad} and ${pick} = ${idx} then ${quoteLiteral(k.value)}`)
        .join(' ');
      const good = `cast(${quoteIdent(c.name)} as varchar)`;
      return `${cases ? `case ${cases} else ${good} end` : good} as ${quoteIdent(c.name)}`;
    });
    select = `select ${list.join(', ')}, ${isBad} as _bad from (${genSql}) order by _i`;
  } else {
    select = `select ${columns.map((c) => quoteIdent(c.name)).join(', ')}, false as _bad from (${genSql}) order by _i`;
  }
  const db = await openDatabase(':memory:', { migrate: false, threads: config.duckdb.threads });
  try {
    await db.query(`create temp table generated as ${select}`, badFraction > 0 ? [...params, opts.seed, badFraction] : params);
    const [{ bad }] = await db.query<{ bad: number }>('select count(*) filter (where _bad) as bad from generated');
    const options = format === 'csv' ? `(format csv, header true, delimiter ${quoteLiteral(contract.delimiter)})` : `(format parquet, compression zstd)`;
    await db.exec(`copy (select * exclude (_bad) from generated) to ${quoteLiteral(out)} ${options}`);
    const result: GenerateResult = { file: out, rows: opts.rows, badRows: bad, bytes: statSync(out).size, format };
    logger.info(`generated ${opts.rows} rows (${opts.scenario}, seed ${opts.seed}${bad ? `, ${bad} malformed` : ''}${withTarget ? '' : ', no target'}) → ${out}`);
    return result;
  } finally {
    await db.close();
  }
}
