import { formatStatus, stageStatus } from '../../inspect/status.ts';
import { createContext, type GlobalArgs } from '../context.ts';
import { openReader } from '../open-reader.ts';

export interface StatusArgs extends GlobalArgs {
  format: 'text' | 'json';
  limit: number;
}

/** `pipeline status`: the active model, recent runs and drift decisions of a stage. */
export async function statusCommand(args: StatusArgs): Promise<void> {
  const ctx = createContext(args);
  const db = await openReader(ctx);
  try {
    const s = await stageStatus(db, ctx.stage, args.limit);
    process.stdout.write(args.format === 'json' ? `${JSON.stringify(s, null, 2)}\n` : formatStatus(s));
  } finally {
    await db.close();
  }
}
