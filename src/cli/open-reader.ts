import type { PipelineDb } from '../db/database.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { logger } from '../logger.ts';
import type { CommandContext } from './context.ts';

/**
 * Opens the stage database for a reading command (read-only, not migrated). A database from before a schema change
 * is opened once for writing instead, so its migrations apply and the reader finds the tables it expects.
 */
export async function openReader(ctx: CommandContext): Promise<PipelineDb> {
  const db = await ctx.open({ readOnly: true, migrate: false });
  let pending: string[];
  try {
    pending = (await pendingMigrations(db)).map((m) => m.file);
  } catch (err) {
    await db.close();
    throw err;
  }
  if (!pending.length) return db;
  await db.close();
  logger.info(`${ctx.dbPath}: applying migration(s) ${pending.join(', ')} before reading`);
  return ctx.open();
}
