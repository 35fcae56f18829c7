import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export const TIME_BIN = '/usr/bin/time';

/** One timed child process: wall time measured around the spawn, CPU and peak RSS from `/usr/bin/time -v`. */
export interface TimedRun {
  command: string;
  wallS: number;
  userS: number;
  sysS: number;
  /** "Maximum resident set size" of the child (for a shell, of its largest descendant), in MB (10^6 bytes). */
  peakRssMb: number;
  exitCode: number;
  /** 1-minute load average just before the run: how noisy the machine was. */
  loadBefore: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Throw (with the tail of stderr) when the child does not exit with 0. Default true. */
  check?: boolean;
}

export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

/** Parses the report of GNU time's `-v`. */
export function parseTimeV(text: string): { userS: number; sysS: number; peakRssKb: number; exitStatus: number | null } {
  const num = (label: string): number => {
    const m = text.match(new RegExp(`${label}[^:]*:\\s*([0-9.]+)`));
    return m ? Number(m[1]) : Number.NaN;
  };
  const exit = text.match(/Exit status:\s*(\d+)/);
  return {
    userS: num('User time \\(seconds\\)'),
    sysS: num('System time \\(seconds\\)'),
    peakRssKb: num('Maximum resident set size \\(kbytes\\)'),
    exitStatus: exit ? Number(exit[1]) : null,
  };
}

/** Runs `file args…` under `/usr/bin/time -v` and measures it. */
export async function runTimed(file: string, args: readonly string[], options: RunOptions): Promise<TimedRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-time-'));
  const timeFile = path.join(dir, 'time.txt');
  const command = [file, ...args].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  try {
    const loadBefore = loadAverage();
    const t0 = performance.now();
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(TIME_BIN, ['-v', '-o', timeFile, file, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    });
    const wallS = (performance.now() - t0) / 1000;
    const t = parseTimeV(readFileSync(timeFile, 'utf8'));
    const run: TimedRun = {
      command,
      wallS,
      userS: t.userS,
      sysS: t.sysS,
      peakRssMb: (t.peakRssKb * 1024) / 1e6,
      exitCode: t.exitStatus ?? code,
      loadBefore,
      stdout,
      stderr,
    };
    if ((options.check ?? true) && run.exitCode !== 0) {
      const tail = stderr.trim().split('\n').slice(-15).join('\n');
      throw new Error(`command failed with exit code ${run.exitCode}: ${command}\n${tail}`);
    }
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a command untimed and returns its stdout; throws with stderr on failure. */
export async function runQuiet(file: string, args: readonly string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (c) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (c === 0 || options.check === false) resolve(stdout);
      else reject(new Error(`command failed with exit code ${c}: ${[file, ...args].join(' ')}\n${Buffer.concat(err).toString('utf8').trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}
