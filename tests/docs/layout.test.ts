/**
 * The project layout in docs/development.md names every folder of src/ and sql/ and every top-level folder of
 * the checkout, and names nothing that does not exist.
 */
import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../support/helpers.ts';
import { extractFile } from './code-blocks.ts';

const dirs = (rel: string) =>
  readdirSync(path.join(PROJECT_ROOT, rel), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

describe('docs: the project layout matches the tree', () => {
  const { blocks } = extractFile(path.join(PROJECT_ROOT, 'docs/development.md'), 'docs/development.md');
  const layout = blocks.find((b) => b.text.includes('bin/pipeline.mjs'))?.text ?? '';

  it('names every folder of src/, sql/ and the checkout', () => {
    expect(layout, 'the layout block of docs/development.md').to.not.equal('');
    const entries = new Set(layout.split('\n').map((l) => l.split(/\s+/)[0]).filter(Boolean));
    for (const d of dirs('src')) expect(entries.has(`src/${d}`), `src/${d} in the layout`).to.equal(true);
    for (const d of dirs('sql')) expect(layout, `sql/${d} in the layout`).to.match(new RegExp(`\\b${d}\\b`));
    const ignored = new Set(['node_modules', 'build', 'logs', 'scratch']);
    for (const d of dirs('.').filter((n) => !n.startsWith('.') && !ignored.has(n))) expect([...entries].some((e) => e === d || e.startsWith(`${d}/`)), `${d}/ in the layout`).to.equal(true);
  });

  it('every path it names exists', () => {
    const paths = layout
      .split('\n')
      .map((l) => l.split(/\s+/)[0])
      .filter((p) => p && !p.includes('<'));
    for (const p of paths) expect(existsSync(path.join(PROJECT_ROOT, p)), p).to.equal(true);
  });
});
