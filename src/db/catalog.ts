import { sql } from 'kysely';
import type { PipelineDb } from './pipeline-db.ts';

/** Whether the stage database has a table or view of this name (per-run tables are dropped by retention). */
export async function tableExists(db: PipelineDb, name: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from information_schema.tables where table_schema = 'main' and table_name = ${name}`.execute(db.kysely);
  return rows[0].n > 0;
}
