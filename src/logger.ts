import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import winston from 'winston';
import type { LoggingConfig } from './config/schema.ts';

export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** The pipeline's logger: readable lines on stderr, JSON lines in the log file once configured. */
export const logger = winston.createLogger({
  level: 'info',
  transports: [new winston.transports.Console({ level: 'info', stderrLevels: ['error', 'warn', 'info', 'debug'], format: consoleFormat() })],
});

// A log file that fails later (disk full, removed folder) must not end the command: drop it, say so once, go on.
logger.on('error', (err: unknown) => {
  for (const t of logger.transports) {
    if (t instanceof winston.transports.File) logger.remove(t);
  }
  process.stderr.write(`warning: the log file cannot be written (${err instanceof Error ? err.message : String(err)}); logging to the console only\n`);
});

function consoleFormat(): winston.Logform.Format {
  return winston.format.combine(
    winston.format.timestamp({ format: 'HH:mm:ss' }),
    winston.format.printf((info) => {
      const { level, message, timestamp, ...meta } = info as Record<string, unknown>;
      const extras = Object.entries(meta)
        .filter(([k]) => typeof k === 'string' && !k.startsWith('Symbol'))
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(' ');
      return `${timestamp} ${String(level).padEnd(5)} ${String(message)}${extras ? `  ${extras}` : ''}`;
    }),
  );
}

/** Sets console verbosity and adds the JSON-lines file transport (relative paths from `baseDir`). */
export function configureLogging(cfg: LoggingConfig, verbosity: Verbosity, baseDir: string): void {
  const consoleLevel = verbosity === 'quiet' ? 'warn' : verbosity === 'verbose' ? 'debug' : cfg.level;
  logger.clear();
  logger.level = 'debug';
  logger.add(new winston.transports.Console({ level: consoleLevel, stderrLevels: ['error', 'warn', 'info', 'debug'], format: consoleFormat() }));
  if (cfg.file && process.env.PIPELINE_NO_LOG_FILE !== '1') {
    const file = path.resolve(baseDir, cfg.file);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      // open it now, so a file that cannot be written is found here rather than by winston's stream later
      closeSync(openSync(file, 'a'));
      logger.add(new winston.transports.File({ filename: file, level: cfg.file_level, format: winston.format.combine(winston.format.timestamp(), winston.format.json()) }));
    } catch (err) {
      logger.warn(`cannot write the log file ${file} (${err instanceof Error ? err.message : String(err)}); logging to the console only`);
    }
  }
}

/** Flushes file transports before the process exits. */
export async function closeLogging(): Promise<void> {
  const done = new Promise<void>((resolve) => {
    logger.on('finish', () => resolve());
    // not unref'd: with nothing else pending, an unref'd timer would let Node end on an unsettled await (exit 13)
    setTimeout(resolve, 500);
  });
  logger.end();
  await done;
}
