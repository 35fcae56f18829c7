import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import { SqlError, errorMessage } from '../errors.ts';
import { logger } from '../logger.ts';
import { tableExists } from './catalog.ts';
import type { PipelineDb } from './pipeline-db.ts';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations');

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

/** The numbered migration files (`NNN_name.sql`), in order. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .map((f) => {
      const sql = readFileSync(path.join(dir, f), 'utf8');
      return {
        version: Number(f.split('_')[0]),
        name: f.replace(/^\d+_|\.sql$/g, ''),
        file: f,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16),
      };
    })
    .sort((a, b) => a.version - b.version);
}

/**
 * Applies the migrations the database has not seen, each inside its own transaction,
 * and records them in `schema_migrations`. Returns the versions applied.
 */
export async function migrate(db: PipelineDb, dir = MIGRATIONS_DIR): Promise<number[]> {
  await db.exec(`create table if not exists schema_migrations (
    version integer primary key, name varchar not null, checksum varchar not null, applied_at timestamp not null)`);
  const applied = new Map((await db.query<{ version: number; checksum: string }>('select version, checksum from schema_migrations')).map((r) => [r.version, r.checksum]));
  const done: number[] = [];
  for (const m of listMigrations(dir)) {
    if (applied.has(m.version)) {
      // An applied migration is never re-run: an edit to it reaches only new databases, so say so.
      if (applied.get(m.version) !== m.checksum) logger.warn(`migration ${m.file} changed after it was applied to ${db.path} (checksum ${applied.get(m.version)}, now ${m.checksum}); the database keeps the old version`);
      continue;
    }
    const statements = await db.native.extractStatements(m.sql);
    await db.transaction(async () => {
      for (let i = 0; i < statements.count; i++) {
        try {
          const prepared = await statements.prepare(i);
          await prepared.run();
        } catch (err) {
          throw new SqlError(`migration ${m.file} failed at statement ${i + 1}: ${errorMessage(err)}`, m.file, { cause: err });
        }
      }
      await db.query('insert into schema_migrations values ($1, $2, $3, current_timestamp)', [m.version, m.name, m.checksum]);
    });
    logger.debug(`applied migration ${m.file}`);
    done.push(m.version);
  }
  return done;
}

/**
 * Migrations the database has not applied (read-only: it only looks). A reader opened without migrating uses it to
 * tell a database from before a schema change, whose new columns and tables do not exist yet.
 */
export async function pendingMigrations(db: PipelineDb, dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const applied = new Set((await tableExists(db, 'schema_migrations')) ? (await db.query<{ version: number }>('select version from schema_migrations')).map((r) => r.version) : []);
  return listMigrations(dir).filter((m) => !applied.has(m.version));
}
