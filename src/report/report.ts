import { renameSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.ts';
import type { PipelineDb } from '../db/database.ts';
import { InputError, errorMessage } from '../errors.ts';
import { loadReportData, type ReportData } from './data.ts';
import { renderReportHtml } from './html.ts';

export interface ReportOptions {
  stage: string;
  /** The run to report on (default: the newest top-level run). */
  runId?: number;
}

export interface ReportResult {
  file: string;
  bytes: number;
  data: ReportData;
}

/** Reads what the report shows from the open (read-only) database and renders the HTML. */
export async function buildReport(db: PipelineDb, config: Config, opts: ReportOptions): Promise<{ html: string; data: ReportData }> {
  const data = await loadReportData(db, config, opts);
  return { html: await renderReportHtml(data), data };
}

/** Writes the report next to its final name and renames it, so a reader never sees half a file. */
export function writeReport(out: string, html: string): { file: string; bytes: number } {
  const file = path.resolve(out);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, html, 'utf8');
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new InputError(`cannot write the report to ${file}: ${errorMessage(err)}`, [], { cause: err });
  }
  return { file, bytes: statSync(file).size };
}
