import type { DuckDBConnection } from '@duckdb/node-api';

/** Receives step boundaries; the CLI installs a terminal display, everything else gets none. */
export interface ProgressReporter {
  stepStarted(step: string, native: DuckDBConnection): void;
  stepEnded(step: string): void;
}

let reporter: ProgressReporter | undefined;

export function setProgressReporter(r: ProgressReporter | undefined): void {
  reporter = r;
}

export function progress(): ProgressReporter | undefined {
  return reporter;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A one-line spinner on a terminal: step name, DuckDB's progress of the running query (rows and
 * percentage, when it reports them) and elapsed time. Writes nothing when the stream is not a TTY.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter | undefined {
  if (!stream.isTTY) return undefined;
  let timer: NodeJS.Timeout | undefined;
  let frame = 0;
  const clear = () => stream.write('\r\x1b[K');
  return {
    stepStarted(step, native) {
      const t0 = Date.now();
      timer = setInterval(() => {
        let detail = '';
        try {
          const p = native.progress;
          if (p && p.percentage >= 0) detail = `  ${p.percentage.toFixed(0)}%  ${Number(p.rows_processed).toLocaleString('en')} / ${Number(p.total_rows_to_process).toLocaleString('en')} rows`;
        } catch {
          // progress is best effort
        }
        clear();
        stream.write(`${FRAMES[frame++ % FRAMES.length]} ${step}${detail}  ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }, 120);
      timer.unref();
    },
    stepEnded() {
      if (timer) clearInterval(timer);
      timer = undefined;
      clear();
    },
  };
}
