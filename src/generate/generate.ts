import { statSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.ts';
import { openDatabase } from '../db/database.ts';
import { sql } from 'kysely';
import { compileSql, renderSqlText, type SqlFragment } from '../sql/render.ts';
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

  const generated = renderSqlText(spec.sql, {
    params: { rows: opts.rows, seed: opts.seed, start_date: opts.startDate, truth: JSON.stringify(spec.truth), scenario: opts.scenario, facilities: opts.facilities ?? null },
  }, spec.file);
  const columns = contract.columns.filter((c) => withTarget || c.role !== 'target');
  let select: SqlFragment;
  if (badFraction > 0) {
    const corruptions = corruptionsFor(contract, withTarget);
    // A bad row gets exactly one corruption, picked by hash so the file stays a function of the seed.
    const pick = sql`hash(${opts.seed}, _i * 32 + 31) % ${sql.lit(corruptions.length)}`;
    const isBad = sql`(((hash(${opts.seed}, _i * 32 + 30) >> 11)::double + 0.5) / 9007199254740992.0 < ${badFraction})`;
    const list = columns.map((c) => {
      const cases = corruptions
        .map((k, idx) => ({ k, idx }))
        .filter(({ k }) => k.column === c.name)
        .map(({ k, idx }) => sql`when ${isBad} and ${pick} = ${sql.lit(idx)} then ${k.value}`);
      const good = sql`cast(${sql.id(c.name)} as varchar)`;
      return sql`${cases.length ? sql`case ${sql.join(cases, sql` `)} else ${good} end` : good} as ${sql.id(c.name)}`;
    });
    select = sql`select ${sql.join(list)}, ${isBad} as _bad from (${generated}) order by _i`;
  } else {
    select = sql`select ${sql.join(columns.map((c) => sql.id(c.name)))}, false as _bad from (${generated}) order by _i`;
  }
  const db = await openDatabase(':memory:', { migrate: false, threads: config.duckdb.threads });
  try {
    const create = compileSql(sql`create temp table generated as ${select}`);
    await db.query(create.sql, create.params);
    const [{ bad }] = await db.query<{ bad: number }>('select count(*) filter (where _bad) as bad from generated');
    const options = format === 'csv' ? sql`(format csv, header true, delimiter ${sql.lit(contract.delimiter)})` : sql`(format parquet, compression zstd)`;
    await db.exec(compileSql(sql`copy (select * exclude (_bad) from generated) to ${sql.lit(out)} ${options}`).sql);
    const result: GenerateResult = { file: out, rows: opts.rows, badRows: bad, bytes: statSync(out).size, format };
    logger.info(`generated ${opts.rows} rows (${opts.scenario}, seed ${opts.seed}${bad ? `, ${bad} malformed` : ''}${withTarget ? '' : ', no target'}) → ${out}`);
    return result;
  } finally {
    await db.close();
  }
}
