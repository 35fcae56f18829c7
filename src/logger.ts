import { mkdirSync } from 'node:fs';
import path from 'node:path';
import winston from 'winston';
import type { LoggingConfig } from './config/schema.ts';

export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** The pipeline's logger: readable lines on stderr, JSON lines in the log file once configured. */
export const logger = winston.createLogger({
  level: 'info',
  transports: [new winston.transports.Console({ level: 'info', stderrLevels: ['error', 'warn', 'info', 'debug'], format: consoleFormat() })],
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
      logger.add(new winston.transports.File({ filename: file, level: cfg.file_level, format: winston.format.combine(winston.format.timestamp(), winston.format.json()) }));
    } catch {
      logger.warn(`cannot write the log file ${file}; logging to the console only`);
    }
  }
}

/** Flushes file transports before the process exits. */
export async function closeLogging(): Promise<void> {
  const done = new Promise<void>((resolve) => {
    logger.on('finish', () => resolve());
    setTimeout(resolve, 500).unref();
  });
  logger.end();
  await done;
}
