import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { extractBlocks, failedBlock, shellScript, sqlStatements } from './code-blocks.ts';

const md = (...lines: string[]) => lines.join('\n');

describe('docs: reading code blocks', () => {
  it('finds fenced blocks with their language, line and opt-out reason', () => {
    const { blocks, problems } = extractBlocks(
      'x.md',
      md('# T', '```sh', 'npx pipeline status', '```', 'text', '````sql', 'select 1;', '````', '```sh', '# not run by the docs test: needs the network', 'npm ci', '```', '```', 'plain', '```', '```bash', '# on a new database (empty)', 'pipeline status', '```'),
    );
    expect(problems).to.deep.equal([]);
    expect(blocks.map((b) => [b.line, b.lang, b.text, b.skipReason, b.newDatabase])).to.deep.equal([
      [2, 'sh', 'npx pipeline status', undefined, undefined],
      [6, 'sql', 'select 1;', undefined, undefined],
      [9, 'sh', '# not run by the docs test: needs the network\nnpm ci', 'needs the network', undefined],
      [13, '', 'plain', undefined, undefined],
      [16, 'bash', '# on a new database (empty)\npipeline status', undefined, true],
    ]);
  });

  it('reports a block never closed, and a language fence inside an open block', () => {
    expect(extractBlocks('a.md', md('```sh', 'ls', '')).problems).to.deep.equal(['a.md:1: the code block opened here is never closed']);
    expect(extractBlocks('b.md', md('```', 'text', '```sh', 'ls', '```')).problems).to.deep.equal([
      "b.md:3: a fence opening a 'sh' block inside the block opened at line 1 (is a closing fence missing?)",
    ]);
  });

  it('splits SQL blocks into statements, without comment lines', () => {
    expect(sqlStatements(md('select 1;', '-- the rows', 'select a,', "  'x;y' as b", 'from t;  -- note', '', 'select 2'))).to.deep.equal(['select 1', "select a,\n  'x;y' as b\nfrom t", 'select 2']);
  });

  it('runs shell blocks in one shell, checks "# exits N" and names the failing block', () => {
    const bash = (script: string) => spawnSync('bash', ['-s'], { input: script, encoding: 'utf8' });
    const blocks = [
      { file: 'x.md', line: 1, lang: 'sh', text: 'A=1' },
      { file: 'x.md', line: 5, lang: 'sh', text: 'test "$A" = 1\nsh -c "exit 3"   # exits 3' },
      { file: 'x.md', line: 9, lang: 'sh', text: 'false' },
    ];
    const ok = bash(shellScript(blocks.slice(0, 2)));
    expect(ok.status, ok.stderr).to.equal(0);
    expect(failedBlock(ok.stderr)).to.equal(undefined);
    const failed = bash(shellScript(blocks));
    expect(failed.status).to.not.equal(0);
    expect(failedBlock(failed.stderr)).to.equal(2);
    const wrongExit = bash(shellScript([{ file: 'x.md', line: 1, lang: 'sh', text: 'sh -c "exit 4"   # exits 3' }]));
    expect(wrongExit.status).to.equal(1);
    expect(wrongExit.stderr).to.include('expected exit 3, got 4');
  });
});
