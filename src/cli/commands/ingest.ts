import { ingestFile, nothingAcceptedError } from '../../ingest/ingest.ts';
import { createContext, type GlobalArgs } from '../context.ts';

export interface IngestArgs extends GlobalArgs {
  file: string;
  force: boolean;
}

/** `pipeline ingest FILE`: one batch into raw_data (and quarantine); prints the counts. */
export async function ingestCommand(args: IngestArgs): Promise<void> {
  const ctx = createContext(args);
  const db = await ctx.open();
  try {
    const r = await ingestFile(db, ctx.config, args.file, { force: args.force });
    process.stdout.write(`batch ${r.batchId}: ${r.rowsRead} rows read, ${r.rowsAccepted} accepted, ${r.rowsQuarantined} quarantined\n`);
    // a batch that accepted nothing is recorded (its quarantine says why) but is no success
    if (r.rowsAccepted === 0) throw await nothingAcceptedError(db, r, args.file);
  } finally {
    await db.close();
  }
}
