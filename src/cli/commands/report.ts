import { ConfigError } from '../../errors.ts';
import { logger } from '../../logger.ts';
import { buildReport, writeReport } from '../../report/report.ts';
import { createContext, type GlobalArgs } from '../context.ts';
import { openReader } from '../open-reader.ts';
import { checkOutputPath } from '../output-path.ts';

export interface ReportArgs extends GlobalArgs {
  run?: number;
  out: string;
}

/** `pipeline report`: one self-contained HTML file about a run, the active model, drift, evaluation and model history. */
export async function reportCommand(args: ReportArgs): Promise<void> {
  if (args.run !== undefined && !(Number.isInteger(args.run) && args.run > 0)) throw new ConfigError(`--run must be a positive run id (got ${args.run})`);
  if (!args.out?.trim()) throw new ConfigError('give the output file: --out report.html');
  checkOutputPath(args.out, '--out', ['.html', '.htm']);
  const ctx = createContext(args);
  const db = await openReader(ctx);
  let html: string;
  let summary: string;
  try {
    const { html: h, data } = await buildReport(db, ctx.config, { stage: ctx.stage, runId: args.run });
    html = h;
    const drifted = data.drift ? data.drift.features.filter((f) => f.counted).length : 0;
    const verdict = data.drift?.decision ? (data.drift.decision.rule === 'too_few_rows' ? 'too few rows to judge' : data.drift.decision.drifted ? `dataset drift, rule ${data.drift.decision.rule}` : 'no dataset drift') : null;
    summary =
      `run ${data.run.run_id} (${data.run.pipeline_type}, ${data.run.status})` +
      `${data.activeModel ? `, active model v${data.activeModel.model_version}` : ', no active model'}` +
      `${data.drift ? `, ${drifted} of ${data.drift.features.length} features drifted in run ${data.drift.runId}${verdict ? ` (${verdict})` : ''}` : ''}` +
      `, ${data.models.length} model version${data.models.length === 1 ? '' : 's'}`;
  } finally {
    await db.close();
  }
  const { file, bytes } = writeReport(args.out, html);
  logger.debug(`report: ${summary}`);
  process.stdout.write(`${file}: ${summary}; ${bytes} bytes\n`);
}
