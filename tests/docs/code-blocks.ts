/**
 * The code blocks of the documentation, as the docs test runs them.
 *
 * - A fenced block's language is the first word of its info string; `sh`, `bash` and `shell` blocks are shell
 *   commands, `sql` blocks are queries; others (`text`, `yaml`, none) are shown, not run.
 * - A shell block may opt out with a visible comment line `# not run by the docs test: REASON` (a reason is
 *   required); keep such blocks few: things a test cannot do (reinstalling packages, running the suite itself).
 * - A shell command expected to fail ends with the comment `# exits N`; the test checks it exits with N.
 * - A shell block with a comment line `# on a new database …` starts from an empty stage database instead of
 *   the demo's (the blocks after it go on with the database it made).
 * - Fences must be well formed: a block left open, or an opening fence with a language inside an open block
 *   (a closing fence is missing above it), is a problem the test reports with its line.
 */
import { readFileSync } from 'node:fs';

export interface CodeBlock {
  /** The document (path as given) and the line of the opening fence (1-based). */
  file: string;
  line: number;
  lang: string;
  text: string;
  /** The reason given by a `# not run by the docs test: …` line, if any. */
  skipReason?: string;
  /** The block says it starts on a new database (`# on a new database …`). */
  newDatabase?: boolean;
}

export interface Extracted {
  blocks: CodeBlock[];
  /** Malformed fences, as "file:line: problem". */
  problems: string[];
}

const FENCE = /^(\s{0,3})(`{3,}|~{3,})(.*)$/;
const SKIP = /^\s*#\s*not run by the docs test:\s*(.*\S)?\s*$/m;
const NEW_DATABASE = /^\s*#\s*on a new database\b/im;

/** The fenced code blocks of a Markdown text. */
export function extractBlocks(file: string, markdown: string): Extracted {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  const problems: string[] = [];
  let open: { fence: string; lang: string; line: number; body: string[] } | undefined;
  lines.forEach((l, i) => {
    const m = FENCE.exec(l);
    if (!open) {
      if (m) open = { fence: m[2], lang: m[3].trim().split(/\s+/)[0] ?? '', line: i + 1, body: [] };
      return;
    }
    if (m && m[2][0] === open.fence[0] && m[2].length >= open.fence.length && m[3].trim() === '') {
      const text = open.body.join('\n');
      const skip = SKIP.exec(text);
      blocks.push({ file, line: open.line, lang: open.lang, text, ...(skip ? { skipReason: skip[1] ?? '' } : {}), ...(NEW_DATABASE.test(text) ? { newDatabase: true } : {}) });
      open = undefined;
      return;
    }
    if (m && m[2][0] === open.fence[0] && m[3].trim() !== '') {
      problems.push(`${file}:${i + 1}: a fence opening a '${m[3].trim()}' block inside the block opened at line ${open.line} (is a closing fence missing?)`);
    }
    open.body.push(l);
  });
  if (open) problems.push(`${file}:${open.line}: the code block opened here is never closed`);
  return { blocks, problems };
}

export function extractFile(file: string, label = file): Extracted {
  return extractBlocks(label, readFileSync(file, 'utf8'));
}

export const isShell = (b: CodeBlock) => ['sh', 'bash', 'shell'].includes(b.lang);
export const isSql = (b: CodeBlock) => b.lang === 'sql';

/**
 * The statements of a SQL block: full-line `--` comments dropped, split at a `;` that ends a line.
 * (Enough for documentation queries; a `;` inside a string at the end of a line would split wrongly.)
 */
export function sqlStatements(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => !/^\s*--/.test(l))
    .join('\n')
    .split(/;[ \t]*(?:--[^\n]*)?(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A shell script running the blocks one after another in one shell (variables set in one block are seen by the
 * next), echoing a marker to stderr before each block so a failure can be traced to its block.
 */
export function shellScript(blocks: readonly CodeBlock[]): string {
  const out = ['set -eo pipefail'];
  blocks.forEach((b, i) => {
    out.push(`echo "@@docs-block ${i}" >&2`);
    for (const line of b.text.split('\n')) {
      const exits = /^(.*\S)\s+#\s*exits\s+(\d+)\s*$/.exec(line);
      if (exits && !exits[1].trimEnd().endsWith('\\')) {
        out.push(`if ${exits[1]}; then __rc=0; else __rc=$?; fi; if [ "$__rc" != ${exits[2]} ]; then echo "expected exit ${exits[2]}, got $__rc: ${exits[1].replace(/["$`\\]/g, '\\$&')}" >&2; exit 1; fi`);
      } else out.push(line);
    }
  });
  out.push('echo "@@docs-block done" >&2');
  return `${out.join('\n')}\n`;
}

/** The index of the block a shell run was in when it stopped (from the markers of {@link shellScript}). */
export function failedBlock(stderr: string): number | undefined {
  const marks = [...stderr.matchAll(/^@@docs-block (\d+|done)$/gm)].map((m) => m[1]);
  const last = marks.at(-1);
  return last === undefined || last === 'done' ? undefined : Number(last);
}
