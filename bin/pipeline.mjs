#!/usr/bin/env node
// Entry point of the `pipeline` command.
//
// The TypeScript sources are bundled by esbuild into build/cli-<stamp>/ (one chunk per command, so a command
// loads only its own code), where the stamp is a hash of every source file's path, size and modification time.
// A command starts from that bundle: about 0.5 s sooner than compiling the sources through tsx's loader at every
// start. The pure-JavaScript dependencies (yargs, zod, kysely, winston, yaml, vega, the JS half of
// @duckdb/node-api) are bundled too: loading one file instead of hundreds of small modules saves ~0.25 s per
// command; only the native DuckDB binding stays outside. After an edit the stamp changes and the first command
// rebuilds (about 1 s); a process that loses a race to build the same stamp uses the winner's. If esbuild cannot
// build, the sources run through tsx.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
  hash.update(process.version);
  return hash.digest('hex').slice(0, 16);
}

async function build(outDir) {
  const { build: esbuild } = await import('esbuild');
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  await esbuild({
    entryPoints: { main: entry },
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // the native binding (a .node file and libduckdb) is loaded from node_modules; the build tools are not needed
    external: ['@duckdb/node-bindings', 'esbuild', 'tsx'],
    // bundled CommonJS modules (winston, the JS half of @duckdb/node-api) call require()
    banner: { js: "import { createRequire as __pipelineRequire } from 'node:module'; const require = __pipelineRequire(import.meta.url);" },
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'silent',
  });
  try {
    renameSync(tmp, outDir);
  } catch (err) {
    // another process built the same sources first: use its build
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(path.join(outDir, 'main.js'))) throw err;
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
    const main = path.join(outDir, 'main.js');
    if (!existsSync(main)) {
      mkdirSync(buildDir, { recursive: true });
      await build(outDir);
    }
    return main;
  } catch {
    return null;
  }
}

const main = await bundled();
if (main) {
  await import(pathToFileURL(main).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
