import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project folder (where package.json, sql/ and migrations/ are). Its own module so db/ need not import config/. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
