import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What the figures were measured on, and which code. */
export interface MachineInfo {
  hostname: string;
  nproc: number;
  cpuModel: string;
  memTotalGb: number;
  memAvailableGb: number;
  kernel: string;
  node: string;
  duckdbNodeApi: string;
  python: string | null;
  gitCommit: string | null;
  /** Files under src/, sql/, config/, migrations/, bin/ that differ from the commit (other engineers' work in progress). */
  gitUncommitted: string[];
  loadAverageAtStart: number[];
}

function tryExec(file: string, args: string[], cwd: string): string | null {
  try {
    // trimEnd: `git status --porcelain` lines start with a meaningful space
    return execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
  } catch {
    return null;
  }
}

function meminfoGb(field: string): number {
  try {
    const m = readFileSync('/proc/meminfo', 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Math.round((Number(m[1]) / 1024 / 1024) * 10) / 10 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function machineInfo(root: string, python: string | null): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) cpuModel = m[1].trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  const nproc = Number(tryExec('nproc', [], root) ?? os.availableParallelism());
  let duckdbNodeApi = 'unknown';
  try {
    duckdbNodeApi = (JSON.parse(readFileSync(path.join(root, 'node_modules/@duckdb/node-api/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // left unknown
  }
  const porcelain = tryExec('git', ['status', '--porcelain', '--', 'src', 'sql', 'config', 'migrations', 'bin', 'package.json'], root);
  return {
    hostname: os.hostname(),
    nproc,
    cpuModel,
    memTotalGb: meminfoGb('MemTotal'),
    memAvailableGb: meminfoGb('MemAvailable'),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    duckdbNodeApi,
    python: python ? tryExec(python, ['-c', 'import sys, pandas, sklearn, scipy, numpy; print(f"python {sys.version.split()[0]}, pandas {pandas.__version__}, scikit-learn {sklearn.__version__}, scipy {scipy.__version__}, numpy {numpy.__version__}")'], root) : null,
    gitCommit: tryExec('git', ['rev-parse', 'HEAD'], root),
    gitUncommitted: porcelain ? porcelain.split('\n').filter(Boolean) : [],
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
