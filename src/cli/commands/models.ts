import { stageDatabasePath } from '../../config/load.ts';
import type { Stage } from '../../config/schema.ts';
import { ConfigError } from '../../errors.ts';
import { formatModel, formatModelList, listModels, showModel } from '../../inspect/models.ts';
import { promote } from '../../registry/promote.ts';
import { rollback } from '../../registry/rollback.ts';
import { pin, unpin } from '../../registry/pin.ts';
import { diffModels, formatModelDiff } from '../../inspect/model-diff.ts';
import { openReader } from '../open-reader.ts';
import { createContext, type GlobalArgs } from '../context.ts';
import path from 'node:path';

export interface ModelsArgs extends GlobalArgs {
  action: 'list' | 'show' | 'rollback' | 'promote' | 'pin' | 'unpin' | 'diff';
  version?: number;
  other?: number;
  to?: string | number;
  from?: Stage;
  fromDb?: string;
  force?: boolean;
  reason?: string;
  format: 'text' | 'json';
}

/** `pipeline models list|show|diff|rollback|pin|unpin|promote`. */
export async function modelsCommand(args: ModelsArgs): Promise<void> {
  const ctx = createContext(args);
  const json = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
  if (args.action === 'promote') {
    if (!args.from || typeof args.to !== 'string') throw new ConfigError('promote needs --from STAGE --to STAGE (e.g. --from DEV --to UAT)');
    const toStage = args.to.toUpperCase() as Stage;
    if (!['UAT', 'PROD', 'DEV'].includes(toStage) || toStage === args.from) throw new ConfigError(`--to must be another stage than --from (got ${args.to})`);
    const sourcePath = args.fromDb ? path.resolve(args.fromDb) : stageDatabasePath(ctx.config, args.from);
    const targetPath = args.db ? path.resolve(args.db) : stageDatabasePath(ctx.config, toStage);
    const { openDatabase } = await import('../../db/database.ts');
    const db = await openDatabase(targetPath, { threads: ctx.config.duckdb.threads, memoryLimit: ctx.config.duckdb.memory_limit });
    try {
      const r = await promote(db, ctx.config, { sourcePath, fromStage: args.from, toStage, version: args.version, force: args.force, reason: args.reason });
      if (args.format === 'json') json(r);
      else process.stdout.write(`${args.from} v${r.sourceVersion} copied to ${toStage} as v${r.targetVersion}: ${r.deployed ? 'deployed' : 'not deployed'} — ${r.reason}\n`);
    } finally {
      await db.close();
    }
    return;
  }
  const readOnly = args.action === 'list' || args.action === 'show' || args.action === 'diff';
  const db = readOnly ? await openReader(ctx) : await ctx.open();
  try {
    if (args.action === 'list') {
      const rows = await listModels(db);
      if (args.format === 'json') json(rows);
      else process.stdout.write(formatModelList(rows));
    } else if (args.action === 'show') {
      if (args.version === undefined) throw new ConfigError('show needs a version: pipeline models show VERSION');
      const d = await showModel(db, args.version);
      if (args.format === 'json') json(d);
      else process.stdout.write(formatModel(d));
    } else if (args.action === 'diff') {
      if (args.version === undefined || args.other === undefined) throw new ConfigError('diff needs two versions: pipeline models diff A B');
      const d = await diffModels(db, ctx.config, ctx.stage, args.version, args.other);
      if (args.format === 'json') json(d);
      else process.stdout.write(formatModelDiff(d));
    } else if (args.action === 'pin') {
      if (args.version === undefined) throw new ConfigError('pin needs a version: pipeline models pin VERSION [--reason TEXT]');
      const r = await pin(db, ctx.stage, args.version, { reason: args.reason });
      if (args.format === 'json') json(r);
      else process.stdout.write(`${ctx.stage}: pinned to v${r.modelVersion}${r.replaced !== null ? ` (replacing active v${r.replaced})` : ''}; automatic deployments are recorded but not made until: pipeline models unpin\n`);
    } else if (args.action === 'unpin') {
      const r = await unpin(db, ctx.stage, { reason: args.reason });
      if (args.format === 'json') json(r);
      else process.stdout.write(`${ctx.stage}: unpinned (v${r.modelVersion} stays active until a run deploys another model)\n`);
    } else {
      const to = args.to === undefined ? undefined : Number(args.to);
      if (to !== undefined && !Number.isInteger(to)) throw new ConfigError(`--to must be a model version for rollback (got ${args.to})`);
      const r = await rollback(db, ctx.stage, { toVersion: to, reason: args.reason });
      if (args.format === 'json') json(r);
      else process.stdout.write(`${ctx.stage}: rolled back from v${r.from} to v${r.to} (deployment ${r.deploymentId}); pinned to v${r.to} until: pipeline models unpin\n`);
    }
  } finally {
    await db.close();
  }
}
