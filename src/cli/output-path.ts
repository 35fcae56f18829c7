import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, EnvironmentError, errorMessage } from '../errors.ts';

/**
 * Checks, before any work, that a command can write `file` at the end: its extension is one of `extensions`, it is not
 * a folder, and it (or, for a new file, the nearest existing folder above it) is writable. A wrong name or a path
 * through a regular file is a usage error (exit 2); a path the user may not write to is an environment fault (exit 5).
 * Nothing is created here.
 */
export function checkOutputPath(file: string, flag: string, extensions: readonly string[]): string {
  const abs = path.resolve(file);
  const ext = path.extname(abs).toLowerCase();
  if (!extensions.includes(ext)) throw new ConfigError(`${flag} ${file}: use a ${extensions.join(', ').replace(/, ([^,]*)$/, ' or $1')} file name`);
  let target = abs;
  if (existsSync(abs)) {
    if (statSync(abs).isDirectory()) throw new ConfigError(`${flag} ${file} is a folder: give a file name`);
  } else {
    target = path.dirname(abs);
    while (!existsSync(target) && path.dirname(target) !== target) target = path.dirname(target);
    if (!statSync(target).isDirectory()) throw new ConfigError(`${flag} ${file}: ${target} is a file, not a folder`);
  }
  try {
    accessSync(target, constants.W_OK);
  } catch (err) {
    throw new EnvironmentError(`${flag} ${file} cannot be written: ${errorMessage(err)}`, [`choose a writable location, or give the user running the pipeline write access to ${target}; nothing was run`], { cause: err });
  }
  return abs;
}
