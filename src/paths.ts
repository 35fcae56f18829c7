import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project folder (where package.json, sql/ and migrations/ are): the nearest folder above this module with a
 * package.json, whether it runs from src/ or from the bundle in build/cli-<stamp>/. Its own module so db/ need not
 * import config/.
 */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'migrations'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}
