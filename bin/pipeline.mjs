#!/usr/bin/env node
// Entry point of the `pipeline` command.
//
// The TypeScript sources and their pure-JavaScript dependencies (yargs, zod, kysely, winston, yaml, the JS half of
// @duckdb/node-api) are bundled by esbuild into one CommonJS file, build/cli-<stamp>/main.cjs, where the stamp is
// a hash of every source file's path, size and modification time (and this file's, and the Node version); the native DuckDB
// binding and vega (imported by `report` only) stay outside. A command's module inside the bundle runs only when
// its command does.
//
// The bundle is run through V8's code cache: the first run of each command (status, sql, run, …, --help) saves the
// bytecode V8 compiled for it beside the bundle (main.cjs.<command>.cache), and later runs of that command start
// from it instead of parsing and compiling again. Measured on `pipeline status` (BENCHMARKS.md): loading hundreds
// of module files through Node's loader cost ~0.4 s; one bundled file ~0.15 s; from the code cache ~0.08 s.
//
// `--help` runs from an ES-module build of the same sources (build/cli-<stamp>/esm/), split in chunks, of which it
// loads only the command line's: less to read than the bundle and its cache.
//
// After an edit the stamp changes and the first command rebuilds (about 1 s); a process that loses a race to build
// the same stamp uses the winner's. If esbuild cannot build (or the folder is not writable), the sources run
// through tsx, slower. PIPELINE_NO_BUNDLE=1 forces that.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(root, 'src');
const buildDir = path.join(root, 'build');
const entry = path.join(srcDir, 'cli', 'main.ts');
/** Builds kept besides the current one (others are removed when a new one is made). */
const KEEP_BUILDS = 3;

function sourceStamp() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        hash.update(`${path.relative(srcDir, p)}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(srcDir);
  // this file decides how to build
  const self = statSync(fileURLToPath(import.meta.url));
  hash.update(`bin\0${self.size}\0${self.mtimeMs}\n${process.version}`);
  return hash.digest('hex').slice(0, 16);
}

async function build(outDir) {
  const { build: esbuild } = await import('esbuild');
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    // from node_modules: the native binding (a .node file and libduckdb); vega and vega-lite, ES modules only (one
    // has a top-level await), imported when a report renders; the build tools, not needed
    external: ['@duckdb/node-bindings', 'vega', 'vega-lite', 'esbuild', 'tsx'],
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'silent',
  };
  await Promise.all([
    // every command: one CommonJS file, run through the code cache
    esbuild({
      ...common,
      entryPoints: [entry],
      outfile: path.join(tmp, 'main.cjs'),
      format: 'cjs',
      // ES modules (ours, yargs) ask for import.meta.url: the bundle's own URL, set by the banner
      define: { 'import.meta.url': '__pipeline_bundle_url' },
      banner: { js: "var __pipeline_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
    }),
    // help: ES module chunks, of which --help loads only the command line's (yargs): smaller than any cache
    esbuild({
      ...common,
      entryPoints: { main: entry },
      outdir: path.join(tmp, 'esm'),
      splitting: true,
      format: 'esm',
      // bundled CommonJS modules (winston, the JS half of @duckdb/node-api) call require()
      banner: { js: "import { createRequire as __pipelineRequire } from 'node:module'; const require = __pipelineRequire(import.meta.url);" },
    }),
  ]);
  try {
    renameSync(tmp, outDir);
  } catch (err) {
    // another process built the same sources first: use its build
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(path.join(outDir, 'main.cjs'))) throw err;
  }
  // keep the newest few builds
  const builds = readdirSync(buildDir)
    .filter((n) => /^cli-[0-9a-f]{16}$/.test(n))
    .map((n) => ({ n, t: statSync(path.join(buildDir, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const old of builds.slice(KEEP_BUILDS)) rmSync(path.join(buildDir, old.n), { recursive: true, force: true });
}

async function bundled() {
  if (process.env.PIPELINE_NO_BUNDLE === '1') return null;
  try {
    const outDir = path.join(buildDir, `cli-${sourceStamp()}`);
    const main = path.join(outDir, 'main.cjs');
    if (!existsSync(main)) {
      mkdirSync(buildDir, { recursive: true });
      await build(outDir);
    }
    return main;
  } catch {
    return null;
  }
}

/** Help, or a command line without a command: yargs alone answers it. */
function asksHelp(argv) {
  return argv.includes('--help') || argv.includes('-h') || argv.length === 0 || argv[0] === 'help';
}

/** The code cache a command uses: one per command (src/cli/commands/<name>.ts), as commands run different code. */
function cacheName(argv) {
  const word = argv.find((a) => !a.startsWith('-'));
  return word && /^[a-z]{1,20}$/.test(word) && existsSync(path.join(srcDir, 'cli', 'commands', `${word}.ts`)) ? word : 'other';
}

/**
 * Runs the bundle as a CommonJS module compiled through vm.Script, so that V8's code cache can be given and taken.
 * A missing or rejected cache (another V8) is written when the process exits, with what this run compiled.
 */
function runBundle(file) {
  const cacheFile = `${file}.${cacheName(process.argv.slice(2))}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // first run of this command: no cache yet
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        rmSync(tmp, { force: true });
      }
    });
  }
  // code run from a code cache cannot call import(): the bundle imports its ES-module-only packages through this
  globalThis.__pipelineImport = (specifier) => import(specifier);
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
}

const main = await bundled();
if (main && asksHelp(process.argv.slice(2))) {
  await import(pathToFileURL(path.join(path.dirname(main), 'esm', 'main.js')).href);
} else if (main) {
  runBundle(main);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
