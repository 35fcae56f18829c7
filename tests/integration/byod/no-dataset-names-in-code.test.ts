/**
 * The pipelines are driven by the contract alone: no column name of the default synthetic dataset may appear in
 * the code (src/) or the step SQL (sql/). The distinctive names must not appear at all (comments included); the
 * plain words `region` and `sector` must not appear as whole words in code or SQL (comments aside).
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultConfig, PROJECT_ROOT } from '../../support/helpers.ts';

/** Names of the default contract (config/config.yaml) that only that dataset would use. */
const DISTINCTIVE = ['facility_id', 'temperature_c', 'energy_mwh', 'renewable_share', 'activity_index', 'fuel_price_eur_mwh', 'co2_tonnes', 'fossil_energy_mwh', 'italy_facility_co2'];
/** Ordinary words that are columns of the default contract: banned as whole words outside comments. */
const WORDS = ['region', 'sector'];
/** Default column names generic enough to be SQL vocabulary (a DATE type), not checked. */
const GENERIC = ['date'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

/** Blanks comments out, keeping line numbers: `--` to end of line in SQL; `//` and block comments in TypeScript. */
function stripComments(file: string, text: string): string {
  const blank = (m: string) => m.replace(/[^\n]/g, ' ');
  if (file.endsWith('.sql')) return text.replace(/--[^\n]*/g, blank);
  // Strings first (so a '//' inside a string survives), then comments; good enough for this code base.
  return text.replace(/('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`)|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m, str: string | undefined) => (str !== undefined ? m : blank(m)));
}

interface Hit {
  file: string;
  line: number;
  name: string;
  text: string;
}

function find(files: string[], names: string[], pattern: (name: string) => RegExp, withoutComments: boolean): Hit[] {
  const hits: Hit[] = [];
  for (const file of files) {
    const raw = readFileSync(file, 'utf8');
    const text = withoutComments ? stripComments(file, raw) : raw;
    const rawLines = raw.split('\n');
    text.split('\n').forEach((line, i) => {
      for (const name of names) {
        if (pattern(name).test(line)) hits.push({ file: path.relative(PROJECT_ROOT, file), line: i + 1, name, text: rawLines[i].trim() });
      }
    });
  }
  return hits;
}

const report = (hits: Hit[]) => hits.map((h) => `${h.file}:${h.line}: '${h.name}' in: ${h.text}`).join('\n');

describe('byod: no synthetic dataset names in src/ or sql/', () => {
  const files = [...filesUnder(path.join(PROJECT_ROOT, 'src')), ...filesUnder(path.join(PROJECT_ROOT, 'sql'))].filter((f) => /\.(ts|mts|cts|js|mjs|sql)$/.test(f));

  it('checks every file of src/ and sql/', () => {
    expect(files.filter((f) => f.endsWith('.sql')).length).to.be.greaterThan(10);
    expect(files.filter((f) => f.endsWith('.ts')).length).to.be.greaterThan(10);
  });

  it('the lists above cover every column and derived feature of the default contract', () => {
    const cfg = defaultConfig();
    const names = [...cfg.contract.columns.map((c) => c.name), ...cfg.contract.derived.map((d) => d.name), cfg.contract.name];
    expect(names.filter((n) => ![...DISTINCTIVE, ...WORDS, ...GENERIC].includes(n)), 'add new default columns to this test').to.deep.equal([]);
  });

  it("no distinctive name of the default contract appears anywhere (comments included)", () => {
    const hits = find(files, DISTINCTIVE, (n) => new RegExp(n, 'i'), false);
    expect(hits, report(hits)).to.deep.equal([]);
  });

  it('neither `region` nor `sector` appears as a whole word in code or SQL', () => {
    const hits = find(files, WORDS, (n) => new RegExp(`(?<![A-Za-z0-9_])${n}(?![A-Za-z0-9_])`, 'i'), true);
    expect(hits, report(hits)).to.deep.equal([]);
  });
});
