/**
 * The typed ingest path (a typed parallel read_csv of the scan's line-numbered copy, the left-out lines re-read as
 * text) must give exactly what the text path gives: the same raw_data rows in the same order with the same values and
 * line numbers, the same quarantine rows with the same reasons and raw values, the same batch counts. Each file is
 * ingested twice, into two databases: once as every CSV is (the typed path where it applies), once with
 * PIPELINE_INGEST_PATH=text; the tables are then compared whole.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { ingestFile, lastIngestPath, type IngestResult } from '../../../src/ingest/ingest.ts';
import { defaultConfig, defaultHeader, generateFile, useTmpDir } from '../../support/helpers.ts';

const TABLES = {
  raw_data: 'select * from raw_data order by batch_id, rowid',
  quarantine: 'select * exclude (quarantined_at) from quarantine order by batch_id, source_row, reasons::varchar',
  ingest_batches: 'select * exclude (ingested_at) from ingest_batches order by batch_id',
};

async function dump(db: PipelineDb): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [name, q] of Object.entries(TABLES)) {
    const rows = await db.query<Record<string, unknown>>(q);
    out[name] = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  }
  return out;
}

/** Ingests `file` on both paths (fresh databases) and returns what each holds, and which path the first took. */
async function bothPaths(dir: string, name: string, file: string): Promise<{ typed: Record<string, string[]>; text: Record<string, string[]>; path: string | null; result: IngestResult }> {
  const config = defaultConfig();
  const typedDb = await openDatabase(path.join(dir, `${name}-typed.duckdb`));
  let result: IngestResult;
  let taken: string | null;
  try {
    result = await ingestFile(typedDb, config, file);
    taken = lastIngestPath();
    var typed = await dump(typedDb);
  } finally {
    await typedDb.close();
  }
  const textDb = await openDatabase(path.join(dir, `${name}-text.duckdb`));
  process.env.PIPELINE_INGEST_PATH = 'text';
  try {
    await ingestFile(textDb, config, file);
    expect(lastIngestPath()).to.equal('text');
    var text = await dump(textDb);
  } finally {
    delete process.env.PIPELINE_INGEST_PATH;
    await textDb.close();
  }
  return { typed, text, path: taken, result };
}

const H = defaultHeader().join(',');
const ROW = (id: string, o: Partial<Record<'date' | 'region' | 'sector' | 't' | 'e' | 'r' | 'a' | 'f' | 'y', string>> = {}) =>
  [id, o.date ?? '2024-03-01', o.region ?? 'Lazio', o.sector ?? 'energy', o.t ?? '10', o.e ?? '100', o.r ?? '0.2', o.a ?? '100', o.f ?? '80', o.y ?? '50'].join(',');

/** Values the typed reader and the text rules could read differently: each line must end up the same on both paths. */
const EDGE_LINES = [
  ROW('A1', { t: ' 12.5' }),
  ROW('A2', { t: '12.5 ' }),
  ROW('A3', { t: '  ' }),
  ROW('A4', { t: '"12.5"' }),
  ROW('A5', { t: '" 12.5 "' }),
  ROW('A6', { t: '""' }),
  ROW('A7', { e: '1e400' }),
  ROW('A8', { e: '-1e400' }),
  ROW('A9', { t: 'NaN' }),
  ROW('A10', { t: 'nan' }),
  ROW('A11', { e: 'inf' }),
  ROW('A12', { e: '-inf' }),
  ROW('A13', { e: 'Infinity' }),
  ROW('A14', { t: '+1' }),
  ROW('A15', { t: '.5' }),
  ROW('A16', { t: '1.' }),
  ROW('A17', { t: '0x10' }),
  ROW('A18', { e: '1_000' }),
  ROW('A19', { e: '"1,5"' }),
  ROW('A20', { e: '1e3' }),
  ROW('A21', { r: '1E-3' }),
  ROW('A22', { t: '- 1' }),
  ROW('A23', { t: '1d' }),
  ROW('A24', { t: '0.1f' }),
  ROW('A25', { e: '00012' }),
  ROW('A26', { t: '1.5e' }),
  ROW('A27', { t: '\t1.5' }),
  ROW('A28', { t: '1.5\t' }),
  ROW('A29', { date: '2024-1-5' }),
  ROW('A30', { date: ' 2024-01-05' }),
  ROW('A31', { date: '2024-01-05 ' }),
  ROW('A32', { date: '2024-01-05T00:00' }),
  ROW('A33', { date: '20240105' }),
  ROW('A34', { date: '2024-02-30' }),
  ROW('A35', { date: '2024-01-05 00:00:00' }),
  ROW('A36', { date: '"2024-01-05"' }),
  ROW('A37', { date: '+2024-01-05' }),
  ROW('A38', { date: '02024-01-05' }),
  ROW('A39', { date: '24-01-05' }),
  ROW('A40', { date: '2024-01-05\t' }),
  ROW('A41', { date: '' }),
  ROW('A42', { y: '' }),
  ROW('A44', { y: 'n/a' }),
  ROW('A45', { y: '-1' }),
  ROW('A46', { t: '-40' }),
  ROW('A47', { t: '-40.0001' }),
  ROW('A48', { t: '50' }),
  ROW('A49', { t: '50.0000001' }),
  ROW('A50', { r: '-0' }),
  ROW('A51', { region: ' Lazio ' }),
  ROW('A52', { region: 'lazio' }),
  ROW('A53', { region: '' }),
  ROW('A54', { sector: '"energy"' }),
  ROW(' A55 '),
  ROW(''),
  ROW('"A5\t7"'),
  ROW('x'.repeat(1001)),
  ROW('A59', { e: '1.7976931348623157e308' }),
  ROW('A60', { e: '4.9e-324' }),
  ROW('A61', { e: '0.1234567890123456789' }),
  ROW('A62', { y: '999999.99999999999' }),
  ROW('A1'), // duplicate of line 2's key
  ROW('A63') + ',extra',
  'A64,2024-03-01,Lazio',
  ROW('A65', { t: '1;5' }),
  ROW('A66', { t: '"1""5"' }),
];

describe('foundation: ingestion, typed path = text path', () => {
  const tmp = useTmpDir();
  const write = (name: string, text: string | Buffer): string => {
    const f = path.join(tmp(), `${name}.csv`);
    writeFileSync(f, text);
    return f;
  };

  const cases: { name: string; typed: boolean; make: () => Promise<string> | string }[] = [
    {
      name: 'a clean generated file',
      typed: true,
      make: async () => (await generateFile(path.join(tmp(), 'clean.csv'), { rows: 20000, seed: 5 })).file,
    },
    {
      name: 'a generated file with 5% corrupted rows (every corruption the generator knows)',
      typed: true,
      make: async () => (await generateFile(path.join(tmp(), 'bad.csv'), { rows: 20000, seed: 11, badRows: 0.05 })).file,
    },
    { name: 'values the two readers could parse differently', typed: true, make: () => write('edge', `${[H, ...EDGE_LINES].join('\n')}\n`) },
    { name: 'the same with CRLF line endings', typed: true, make: () => write('edge-crlf', `${[H, ...EDGE_LINES].join('\r\n')}\r\n`) },
    { name: 'the same with CR line endings', typed: true, make: () => write('edge-cr', `${[H, ...EDGE_LINES].join('\r')}\r`) },
    { name: 'blank lines before the header, between records and at the end', typed: true, make: () => write('blank', `\n\n${H}\n${ROW('B1')}\n\n${ROW('B2')}\n\n\n${ROW('B3', { t: 'x' })}\n${ROW('B1')}\n\n`) },
    { name: 'a byte-order mark and no line ending after the last record', typed: true, make: () => write('bom', `\uFEFF${H}\n${ROW('C1')}\n${ROW('C2', { region: 'Atlantis' })}`) },
    {
      // the typed reader rejects a number field of blanks, the text rules read it as empty (an unlabelled row): the
      // typed path gives way to the text path
      name: 'a target of blanks',
      typed: false,
      make: () => write('blank-target', `${H}\n${ROW('H1')}\n${ROW('H2', { y: '  ' })}\n${ROW('H3', { t: 'x' })}\n`),
    },
    { name: 'an unclosed quote on the last line', typed: false, make: () => write('unclosed', `${H}\n${ROW('D1')}\n"D2,2024-03-01,Lazio`) },
    {
      name: 'a line of Latin-1 bytes',
      typed: true,
      make: () => write('latin1', Buffer.concat([Buffer.from(`${H}\n${ROW('E1')}\n`), Buffer.from(`${ROW('Forl\xec-02')}\n`, 'latin1'), Buffer.from(`${ROW('E3')}\n`)])),
    },
    { name: 'an extra column and no target column', typed: true, make: () => write('extra', `${H.replace(',co2_tonnes', ',note')}\n${ROW('F1', { y: 'a' })}\n${ROW('F2', { t: 'hot', y: 'b' })}\n`) },
    {
      // the re-read seeks to the start of each block of 64 lines holding a left-out line (CsvScan.lineStarts): bad lines
      // on both sides of block edges, and a CRLF split between the scan's first and second 1 MiB chunk
      name: 'bad lines at the edges of 64-line blocks, a CRLF split across the scan\'s 1 MiB chunks',
      typed: true,
      make: () => {
        const bad = new Set([2, 64, 65, 66, 128, 129, 1000, 1025, 15000, 20001]);
        const lines = [H];
        for (let line = 2; line <= 20001; line++) lines.push(ROW(`K${line}`, bad.has(line) ? { t: 'x' } : {}));
        // the last line ending a 64-line block (line 64k) that starts before 1 MiB − 200 bytes: the ids of its block
        // lengthened so that its CR is the first chunk's last byte and its LF the next chunk's first, so the next block
        // starts at the second chunk's byte 1; that block's first line is left out by the typed read, the block before
        // holds none (its start offset is what the re-read seeks to)
        let at = 0;
        let i = 0;
        let blockEnd = { i: 0, at: 0 };
        while (at + Buffer.byteLength(lines[i]) + 2 < (1 << 20) - 200) {
          if ((i + 1) % 64 === 0) blockEnd = { i, at };
          at += Buffer.byteLength(lines[i++]) + 2;
        }
        ({ i, at } = blockEnd);
        let need = (1 << 20) - 1 - at - Buffer.byteLength(lines[i]);
        for (let j = i - 63; j <= i; j++) {
          const extra = Math.ceil(need / (i - j + 1));
          lines[j] = ROW(`K${j + 1}${'p'.repeat(extra)}`);
          need -= extra;
        }
        lines[i + 1] = ROW(`K${i + 2}`, { t: 'x' });
        const text = `${lines.join('\r\n')}\r\n`;
        expect(text.slice((1 << 20) - 1, (1 << 20) + 1)).to.equal('\r\n');
        return write('blocks', text);
      },
    },
    { name: 'a quoted line break (records over two lines: the text path)', typed: false, make: () => write('quoted', `${H},note\n${ROW('G1')},"a\nb"\n${ROW('G2', { t: 'x' })},c\n`) },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const file = await c.make();
      const r = await bothPaths(tmp(), c.name.replace(/\W+/g, '-').slice(0, 40), file);
      expect(r.path).to.equal(c.typed ? 'typed' : 'text');
      for (const t of Object.keys(TABLES)) expect(r.typed[t], t).to.deep.equal(r.text[t]);
      expect(r.typed.raw_data.length + r.typed.quarantine.length).to.equal(r.result.rowsRead);
    });
  }
});
