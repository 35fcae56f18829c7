import { formatBusy } from '../../inspect/busy.ts';
import { formatStatus, stageStatus } from '../../inspect/status.ts';
import { StageBusyError } from '../../runs/activity.ts';
import { createContext, type GlobalArgs } from '../context.ts';
import { openReader } from '../open-reader.ts';

export interface StatusArgs extends GlobalArgs {
  format: 'text' | 'json';
  limit: number;
}

/** `pipeline status`: the active model, recent runs and drift decisions of a stage; while a run holds it, what runs. */
export async function statusCommand(args: StatusArgs): Promise<void> {
  const ctx = createContext(args);
  let db;
  try {
    db = await openReader(ctx);
  } catch (err) {
    if (!(err instanceof StageBusyError)) throw err;
    const busy = { stage: ctx.stage, database: ctx.dbPath, busy: err.activity };
    process.stdout.write(args.format === 'json' ? `${JSON.stringify(busy, null, 2)}\n` : formatBusy(ctx.stage, ctx.dbPath, err.activity));
    return;
  }
  try {
    const s = await stageStatus(db, ctx.stage, args.limit);
    process.stdout.write(args.format === 'json' ? `${JSON.stringify({ ...s, busy: null }, null, 2)}\n` : formatStatus(s));
  } finally {
    await db.close();
  }
}
