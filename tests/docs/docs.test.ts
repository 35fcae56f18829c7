/**
 * Every shell command and SQL query shown in README.md and docs/*.md runs (tests/docs/code-blocks.ts says how
 * blocks are read, and how one opts out or expects a failure).
 *
 * The demo (`npm run demo`, the script in package.json) builds a database once, in a sandbox folder; each
 * document then runs in a sandbox of its own holding a copy of that database, in document order:
 * - shell blocks run in bash with the sandbox as the current folder, `config/` and `bin/` linked to the
 *   checkout's; `npx pipeline …` and `pipeline …` run this checkout's bin/pipeline.mjs, with PIPELINE_CONFIG
 *   naming a copy of config/config.yaml whose stage databases are in the sandbox's `data/`; paths under /tmp/
 *   are redirected into the sandbox; variables set in one shell block are seen by the later ones;
 * - a shell block saying `# on a new database …` starts from empty stage databases (its commands make them);
 * - SQL blocks run statement by statement through the code of `pipeline sql` (read-only, sandboxed) against
 *   the sandbox's DEV database, as it is at that point of the document.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../src/db/database.ts';
import { runReadOnlyQuery } from '../../src/inspect/read-only-query.ts';
import { PROJECT_ROOT, rawDefaultConfig, useTmpDir, writeYaml } from '../support/helpers.ts';
import { extractFile, failedBlock, isShell, isSql, shellScript, sqlStatements, type CodeBlock } from './code-blocks.ts';

const DOCS = ['README.md', ...readdirSync(path.join(PROJECT_ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
/** Blocks that may opt out: things a test cannot run. Raise this only with a reason in the block itself. */
const MAX_SKIPPED = 4;

const extracted = DOCS.map((doc) => ({ doc, ...extractFile(path.join(PROJECT_ROOT, doc), doc) }));

/** The shell functions every block sees. */
const PRELUDE = `
npx() { if [ "$1" = pipeline ]; then shift; node "$PIPELINE_BIN" "$@"; else echo "docs test: only 'npx pipeline …' runs here, not 'npx $*'" >&2; return 127; fi; }
pipeline() { node "$PIPELINE_BIN" "$@"; }
`;

function run(file: string, args: string[], cwd: string, env: Record<string, string>, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** A sandbox folder: config/ and bin/ linked to the checkout, a config whose stage databases are in data/. */
function sandbox(dir: string): { dir: string; env: Record<string, string> } {
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  for (const link of ['config', 'bin']) symlinkSync(path.join(PROJECT_ROOT, link), path.join(dir, link));
  // the default dataset's generator, beside the sandbox's config as beside config/config.yaml
  symlinkSync(path.join(PROJECT_ROOT, 'config', 'synthetic'), path.join(dir, 'synthetic'));
  const raw = rawDefaultConfig();
  raw.stages = { DEV: { database: 'data/dev.duckdb' }, UAT: { database: 'data/uat.duckdb' }, PROD: { database: 'data/prod.duckdb' } };
  const config = writeYaml(path.join(dir, 'pipeline.yaml'), raw);
  return { dir, env: { PIPELINE_CONFIG: config, PIPELINE_BIN: path.join(PROJECT_ROOT, 'bin', 'pipeline.mjs'), PIPELINE_NO_LOG_FILE: '1', NO_COLOR: '1' } };
}

const where = (b: CodeBlock) => `${b.file}:${b.line}`;
const tail = (s: string, n = 40) => s.trim().split('\n').slice(-n).join('\n');

describe('docs: the shell commands and SQL queries of README.md and docs/', function () {
  this.timeout(900_000);
  const tmp = useTmpDir('mlp-docs-');
  let demoData: string;

  it('every code fence is closed; few blocks opt out, each with its reason', () => {
    expect(extracted.flatMap((e) => e.problems)).to.deep.equal([]);
    const skipped = extracted.flatMap((e) => e.blocks.filter((b) => b.skipReason !== undefined));
    for (const b of skipped) expect(b.skipReason, `${where(b)}: say why the block cannot run`).to.match(/\w{3,}/);
    expect(skipped.map(where), `at most ${MAX_SKIPPED} blocks may opt out`).to.have.length.at.most(MAX_SKIPPED);
    expect(extracted.flatMap((e) => e.blocks.filter((b) => isShell(b) || isSql(b))).length).to.be.above(10);
  });

  before(async function () {
    // the demo, as package.json runs it, in a sandbox
    const { dir, env } = sandbox(path.join(tmp(), 'demo'));
    const demo = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.demo;
    const res = await run('bash', ['-c', demo], dir, env);
    if (res.code !== 0) throw new Error(`npm run demo failed (exit ${res.code}):\n${tail(res.stderr)}`);
    demoData = path.join(dir, 'data');
  });

  for (const { doc, blocks } of extracted) {
    const runnable = blocks.filter((b) => (isShell(b) || isSql(b)) && b.skipReason === undefined);
    if (!runnable.length) continue;

    it(`${doc}: ${runnable.filter(isShell).length} shell and ${runnable.filter(isSql).length} SQL blocks run against the demo database`, async () => {
      const { dir, env } = sandbox(path.join(tmp(), doc.replace(/[/.]/g, '_')));
      // the demo's files: its database and the data files it generated (copies: blocks change them)
      for (const f of readdirSync(demoData)) {
        const from = path.join(demoData, f);
        if (statSync(from).isFile()) copyFileSync(from, path.join(dir, 'data', f));
      }
      const dbFile = path.join(dir, 'data', 'dev.duckdb');
      expect(existsSync(dbFile)).to.equal(true);
      // run in document order: a group of shell blocks in one shell, a SQL block on the database as it is then

      const assignments: string[] = [];
      for (let i = 0; i < runnable.length; ) {
        if (isSql(runnable[i])) {
          const b = runnable[i++];
          const db = await openDatabase(dbFile, { readOnly: true, sandboxed: true, migrate: false });
          try {
            for (const stmt of sqlStatements(b.text)) {
              try {
                await runReadOnlyQuery(db, stmt);
              } catch (err) {
                throw new Error(`${where(b)}: the query fails: ${(err as Error).message}\n${stmt}`);
              }
            }
          } finally {
            await db.close();
          }
          continue;
        }
        // consecutive shell blocks run in one shell; assignments of earlier blocks are replayed
        const group: CodeBlock[] = [];
        while (i < runnable.length && isShell(runnable[i]) && (group.length === 0 || !runnable[i].newDatabase)) group.push(runnable[i++]);
        if (group[0].newDatabase) {
          for (const f of readdirSync(path.join(dir, 'data'))) if (/\.duckdb(\.wal)?$/.test(f)) rmSync(path.join(dir, 'data', f));
        }
        const script = `${PRELUDE}\n${assignments.join('\n')}\n${shellScript(group)}`.replaceAll('/tmp/', `${dir}/tmp/`);
        const res = await run('bash', ['-s'], dir, env, script);
        if (res.code !== 0) {
          const at = failedBlock(res.stderr);
          const b = at === undefined ? group[0] : group[at];
          throw new Error(`${where(b)}: the shell block fails (exit ${res.code}):\n${b.text}\n--- stderr (end)\n${tail(res.stderr.replace(/^@@docs-block.*\n/gm, ''))}`);
        }
        for (const b of group) assignments.push(...b.text.split('\n').filter((l) => /^[A-Za-z_]\w*=\S/.test(l)));
      }
    });
  }
});
