// Checks that the Node versions the project declares (package.json "engines.node") are admitted by every
// locked package's own "engines.node", and that the running Node is one of them: so `npm ci` never warns
// EBADENGINE on a Node the project claims to support. Uses the semver copy that ships inside npm itself.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
const semver = createRequire(path.join(npmRoot, 'npm', 'package.json'))('semver');

const declared = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node;
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const problems = [];
if (!semver.satisfies(process.versions.node, declared)) problems.push(`this Node ${process.versions.node} is not one the project declares (${declared})`);
for (const [name, pkg] of Object.entries(lock.packages)) {
  const range = pkg.engines?.node;
  if (!name || !range || pkg.optional) continue;
  if (!semver.subset(declared, range)) problems.push(`${name.replace(/^node_modules\//, '')}@${pkg.version} needs Node ${range}, the project declares ${declared}`);
}
if (problems.length) {
  console.error(`Node engines disagree:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`Node ${process.versions.node}; every locked package admits the declared ${declared}`);
