import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../../src/config/load.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { quoteIdent } from '../../../src/db/sql-text.ts';
import { ConfigError } from '../../../src/errors.ts';
import { corruptionsFor } from '../../../src/generate/corruptions.ts';
import { ingestFile, type IngestResult } from '../../../src/ingest/ingest.ts';
import { countRows, csvText, defaultConfig, defaultHeader, defaultRow, generateFile, useTmpDir, writeCsv, writeYaml } from '../../support/helpers.ts';

interface QuarantineRow {
  source_row: number;
  reasons: string[];
  raw: Record<string, string | null>;
}

/** The default contract's columns, quoted, for selecting raw_data rows without the pipeline's own columns. */
function contractColumns(config: Config = defaultConfig()): string {
  return config.contract.columns.map((c) => quoteIdent(c.name)).join(', ');
}

async function quarantined(db: PipelineDb, batchId: number): Promise<QuarantineRow[]> {
  const rows = await db.query<{ source_row: number; reasons: string[]; raw: string }>(
    'select source_row, reasons, raw_values::varchar as raw from quarantine where batch_id = $1 order by source_row',
    [batchId],
  );
  return rows.map((r) => ({ source_row: r.source_row, reasons: r.reasons, raw: JSON.parse(r.raw) as Record<string, string | null> }));
}

async function batchRow(db: PipelineDb, batchId: number): Promise<Record<string, unknown>> {
  const [row] = await db.query('select * from ingest_batches where batch_id = $1', [batchId]);
  return row;
}

/** The counts a batch must satisfy: read = accepted + quarantined, in ingest_batches and in the tables. */
async function expectBalanced(db: PipelineDb, r: IngestResult): Promise<void> {
  expect(r.rowsRead).to.equal(r.rowsAccepted + r.rowsQuarantined);
  const b = await batchRow(db, r.batchId);
  expect(b).to.include({ rows_read: r.rowsRead, rows_accepted: r.rowsAccepted, rows_quarantined: r.rowsQuarantined });
  expect(await countRows(db, 'raw_data', `batch_id = ${r.batchId}`)).to.equal(r.rowsAccepted);
  expect(await countRows(db, 'quarantine', `batch_id = ${r.batchId}`)).to.equal(r.rowsQuarantined);
  expect(await countRows(db, 'quarantine', `batch_id = ${r.batchId} and len(reasons) = 0`)).to.equal(0);
  // every record of the file is in exactly one place, under its own line (no index enforces it: the ingest does)
  const [{ rows, lines }] = await db.query<{ rows: number; lines: number }>(
    `select count(*) as rows, count(distinct source_row) as lines from (
       select source_row from raw_data where batch_id = $1 union all select source_row from quarantine where batch_id = $1)`,
    [r.batchId],
  );
  expect(lines, 'distinct (batch_id, source_row)').to.equal(rows);
}

describe('foundation: ingestion', () => {
  const tmp = useTmpDir();
  let db: PipelineDb;
  let seq = 0;
  /** A new CSV file name in the temp folder. */
  const file = (name = 'case') => path.join(tmp(), `${name}-${++seq}.csv`);

  before(async () => {
    db = await openDatabase(path.join(tmp(), 'ingest.duckdb'));
  });

  after(async () => {
    await db?.close();
  });

  it('loads valid rows with their types and file line numbers, and records the batch', async () => {
    const f = writeCsv(file('good'), defaultHeader(), [
      defaultRow({ facility_id: 'F1', date: '2024-01-01', region: "Valle d'Aosta", temperature_c: ' -3.5 ' }),
      defaultRow({ facility_id: 'F1', date: '2024-01-02', region: 'Friuli-Venezia Giulia', co2_tonnes: '' }),
      defaultRow({ facility_id: 'F2', date: '2024-01-03', energy_mwh: '1e3' }),
    ]);
    const r = await ingestFile(db, defaultConfig(), f);
    expect(r).to.include({ file: f, rowsRead: 3, rowsAccepted: 3, rowsQuarantined: 0, rowsLabelled: 2, hasTarget: true });
    await expectBalanced(db, r);
    const rows = await db.query(`select source_row, ${contractColumns()} from raw_data where batch_id = $1 order by source_row`, [r.batchId]);
    expect(rows).to.deep.equal([
      { source_row: 2, facility_id: 'F1', date: '2024-01-01', region: "Valle d'Aosta", sector: 'energy', temperature_c: -3.5, energy_mwh: 150, renewable_share: 0.25, activity_index: 100, fuel_price_eur_mwh: 80, co2_tonnes: 65.5 },
      { source_row: 3, facility_id: 'F1', date: '2024-01-02', region: 'Friuli-Venezia Giulia', sector: 'energy', temperature_c: 12.5, energy_mwh: 150, renewable_share: 0.25, activity_index: 100, fuel_price_eur_mwh: 80, co2_tonnes: null },
      { source_row: 4, facility_id: 'F2', date: '2024-01-03', region: 'Lazio', sector: 'energy', temperature_c: 12.5, energy_mwh: 1000, renewable_share: 0.25, activity_index: 100, fuel_price_eur_mwh: 80, co2_tonnes: 65.5 },
    ]);
    const b = await batchRow(db, r.batchId);
    expect(b).to.include({ source_file: f, file_format: 'csv', has_target: true, rows_labelled: 2, min_time: '2024-01-01', max_time: '2024-01-03', forced: false, origin: 'ingest' });
    expect(b.checksum_sha256).to.match(/^[0-9a-f]{64}$/);
    expect(b.ingested_at).to.be.instanceOf(Date);
  });

  describe('quarantine reasons, one kind per file', () => {
    const cases: { kind: string; row: Record<string, string | number | null>; reasons: (string | RegExp)[]; raw?: [string, string | null] }[] = [
      { kind: 'missing value', row: { temperature_c: '' }, reasons: ['temperature_c: missing value'], raw: ['temperature_c', null] },
      { kind: 'missing id', row: { facility_id: '   ' }, reasons: ['facility_id: missing value'] },
      { kind: 'missing category', row: { sector: '' }, reasons: ['sector: missing value'] },
      { kind: 'not a number', row: { energy_mwh: 'abc' }, reasons: ['energy_mwh: not a number (abc)'], raw: ['energy_mwh', 'abc'] },
      { kind: 'not finite: NaN', row: { activity_index: 'NaN' }, reasons: ['activity_index: not a finite number (NaN)'] },
      { kind: 'not finite: inf', row: { energy_mwh: 'inf' }, reasons: ['energy_mwh: not a finite number (inf)'] },
      { kind: 'not finite: -Infinity', row: { temperature_c: '-Infinity' }, reasons: ['temperature_c: not a finite number (-Infinity)'] },
      { kind: 'below min', row: { temperature_c: -41 }, reasons: ['temperature_c: below the minimum -40 (-41)'] },
      { kind: 'above max', row: { renewable_share: 1.5 }, reasons: ['renewable_share: above the maximum 1 (1.5)'] },
      { kind: 'target above max', row: { co2_tonnes: 2000000 }, reasons: ['co2_tonnes: above the maximum 1000000 (2000000)'] },
      { kind: 'target not a number', row: { co2_tonnes: 'lots' }, reasons: ['co2_tonnes: not a number (lots)'] },
      { kind: 'unknown level', row: { region: 'Atlantis' }, reasons: ["region: unknown level 'Atlantis'"], raw: ['region', 'Atlantis'] },
      { kind: 'bad date', row: { date: '2024-13-45' }, reasons: ['date: not a valid date in format %Y-%m-%d (2024-13-45)'] },
      { kind: 'date in another format', row: { date: '01/02/2024' }, reasons: ['date: not a valid date in format %Y-%m-%d (01/02/2024)'] },
      { kind: 'missing date', row: { date: '' }, reasons: ['date: missing value'] },
      { kind: 'several problems at once', row: { temperature_c: 'warm', region: 'Atlantis', fuel_price_eur_mwh: -1 }, reasons: ['temperature_c: not a number (warm)', "region: unknown level 'Atlantis'", 'fuel_price_eur_mwh: below the minimum 0 (-1)'] },
    ];

    for (const c of cases) {
      it(c.kind, async () => {
        // a good row, the bad row (line 3), a good row
        const f = writeCsv(file(c.kind.replace(/\W+/g, '_')), defaultHeader(), [
          defaultRow({ facility_id: 'A', date: '2024-02-01' }),
          defaultRow({ facility_id: 'B', date: '2024-02-01', ...c.row }),
          defaultRow({ facility_id: 'C', date: '2024-02-01' }),
        ]);
        const r = await ingestFile(db, defaultConfig(), f);
        expect(r).to.include({ rowsRead: 3, rowsAccepted: 2, rowsQuarantined: 1 });
        await expectBalanced(db, r);
        const [q] = await quarantined(db, r.batchId);
        expect(q.source_row).to.equal(3);
        for (const want of c.reasons) {
          if (typeof want === 'string') expect(q.reasons).to.include(want);
          else expect(q.reasons.some((x) => want.test(x)), `${want} in ${JSON.stringify(q.reasons)}`).to.equal(true);
        }
        if (c.raw) expect(q.raw[c.raw[0]]).to.equal(c.raw[1]);
        expect(Object.keys(q.raw)).to.deep.equal(defaultHeader());
        const kept = await db.query<{ facility_id: string }>('select facility_id from raw_data where batch_id = $1 order by source_row', [r.batchId]);
        expect(kept.map((k) => k.facility_id)).to.deep.equal(['A', 'C']);
      });
    }

    it('duplicate key: the second row with the same (facility_id, date) names the first', async () => {
      const f = writeCsv(file('dup'), defaultHeader(), [
        defaultRow({ facility_id: 'A', date: '2024-02-01', co2_tonnes: 1 }),
        defaultRow({ facility_id: 'B', date: '2024-02-01' }),
        defaultRow({ facility_id: 'A', date: '2024-02-01', co2_tonnes: 2 }),
        defaultRow({ facility_id: 'A', date: '2024-02-02' }),
      ]);
      const r = await ingestFile(db, defaultConfig(), f);
      expect(r).to.include({ rowsRead: 4, rowsAccepted: 3, rowsQuarantined: 1 });
      await expectBalanced(db, r);
      const q = await quarantined(db, r.batchId);
      expect(q).to.have.length(1);
      expect(q[0].source_row).to.equal(4);
      expect(q[0].reasons).to.deep.equal(['duplicate key: same (facility_id, date) as row 2']);
      const [kept] = await db.query<{ co2_tonnes: number }>("select co2_tonnes from raw_data where batch_id = $1 and facility_id = 'A' and date = '2024-02-01'", [r.batchId]);
      expect(kept.co2_tonnes).to.equal(1);
    });

    for (const [kind, line, reason] of [
      ['malformed CSV record: too many fields', 'B,2024-02-01,Lazio,energy,10,100,0.2,100,80,50,surplus', /^malformed CSV record: TOO MANY COLUMNS/],
      ['malformed CSV record: too few fields', 'B,2024-02-01,Lazio,energy,10,100', /^malformed CSV record: MISSING COLUMNS/],
    ] as const) {
      it(kind, async () => {
        const text = csvText(defaultHeader(), [defaultRow({ facility_id: 'A' })]) + `${line}\n` + csvText(defaultHeader(), [defaultRow({ facility_id: 'C' })]).split('\n').slice(1).join('\n');
        const f = file('malformed');
        writeFileSync(f, text);
        const r = await ingestFile(db, defaultConfig(), f);
        expect(r).to.include({ rowsRead: 3, rowsAccepted: 2, rowsQuarantined: 1 });
        await expectBalanced(db, r);
        const [q] = await quarantined(db, r.batchId);
        expect(q.source_row).to.equal(3);
        expect(q.reasons).to.have.length(1);
        expect(q.reasons[0]).to.match(reason);
        expect(q.raw).to.deep.equal({ csv_line: line });
        const kept = await db.query<{ source_row: number; facility_id: string }>('select source_row, facility_id from raw_data where batch_id = $1 order by source_row', [r.batchId]);
        expect(kept).to.deep.equal([
          { source_row: 2, facility_id: 'A' },
          { source_row: 4, facility_id: 'C' },
        ]);
      });
    }

    it('numbers every row by its file line when problems of every kind are mixed', async () => {
      const H = defaultHeader();
      const lines = [
        H.join(','), //                                                   1
        'A,2024-03-01,Lazio,energy,10,100,0.2,100,80,50', //              2 accepted
        'B,2024-03-01,Lazio,energy,10,100,0.2,100,80,50,extra', //        3 too many fields
        'C,2024-03-01,Atlantis,energy,10,100,0.2,100,80,50', //           4 unknown level
        'D,2024-03-01,Lazio,energy,10,100,0.2,100,80,50', //              5 accepted
        'E,2024-03-01,Lazio,energy', //                                   6 too few fields
        'A,2024-03-01,Lazio,energy,10,100,0.2,100,80,51', //              7 duplicate of line 2
        'F,2024-03-01,Lazio,energy,10,100,0.2,100,80,', //                8 accepted, unlabelled
        'G,2024-03-01,Lazio,energy,10,100,0.2,100,80,50,1,2', //          9 too many fields
        'H,2024-03-01,Lazio,energy,NaN,100,0.2,100,80,50', //             10 not finite
        'I,2024-03-01,Lazio,energy,10,100,0.2,100,80,50', //              11 accepted
      ];
      const f = file('mixed');
      writeFileSync(f, `${lines.join('\n')}\n`);
      const r = await ingestFile(db, defaultConfig(), f);
      expect(r).to.include({ rowsRead: 10, rowsAccepted: 4, rowsQuarantined: 6, rowsLabelled: 3 });
      await expectBalanced(db, r);
      const kept = await db.query<{ source_row: number; facility_id: string }>('select source_row, facility_id from raw_data where batch_id = $1 order by source_row', [r.batchId]);
      expect(kept).to.deep.equal([
        { source_row: 2, facility_id: 'A' },
        { source_row: 5, facility_id: 'D' },
        { source_row: 8, facility_id: 'F' },
        { source_row: 11, facility_id: 'I' },
      ]);
      const q = await quarantined(db, r.batchId);
      expect(q.map((x) => x.source_row)).to.deep.equal([3, 4, 6, 7, 9, 10]);
      // the quarantined record at each line is the one written there
      for (const x of q) {
        const original = lines[x.source_row - 1];
        if ('csv_line' in x.raw) expect(x.raw.csv_line).to.equal(original);
        else expect(x.raw.facility_id).to.equal(original.split(',')[0]);
      }
    });
  });

  it('numbers the rows after consecutive malformed records by their own lines (on both ingest paths)', async () => {
    const H = defaultHeader();
    const lines = [
      H.join(','),
      'A,2024-03-01,Lazio,energy,10,100,0.2,100,80,50', //  2 accepted
      'B,2024-03-01,Lazio', //                              3 too few fields
      'C,2024-03-01,Lazio', //                              4 too few fields
      'D,2024-03-01,Lazio,energy,10,100,0.2,100,80,50', //  5 accepted
      'E,2024-03-01,Lazio,energy,10,100,0.2,100,80,50', //  6 accepted
    ];
    for (const textPath of [false, true]) {
      const f = file('consecutive');
      writeFileSync(f, `${lines.join('\n')}\n`);
      if (textPath) process.env.PIPELINE_INGEST_PATH = 'text';
      try {
        // the same bytes twice: the second time is forced
        const r = await ingestFile(db, defaultConfig(), f, { force: true });
        await expectBalanced(db, r);
        const kept = await db.query<{ source_row: number; facility_id: string }>('select source_row, facility_id from raw_data where batch_id = $1 order by source_row', [r.batchId]);
        expect(kept, textPath ? 'text path' : 'typed path').to.deep.equal([
          { source_row: 2, facility_id: 'A' },
          { source_row: 5, facility_id: 'D' },
          { source_row: 6, facility_id: 'E' },
        ]);
        expect((await quarantined(db, r.batchId)).map((x) => x.source_row)).to.deep.equal([3, 4]);
      } finally {
        delete process.env.PIPELINE_INGEST_PATH;
      }
    }
  });

  it('--bad-rows 0.05: about 5% quarantined, each with a reason, and the counts add up exactly', async () => {
    const f = file('bad-rows');
    const gen = await generateFile(f, { rows: 20000, seed: 5, badRows: 0.05 });
    const r = await ingestFile(db, defaultConfig(), f);
    expect(r.rowsRead).to.equal(20000);
    expect(r.rowsQuarantined).to.be.within(800, 1200);
    // every corrupted row is caught, and no good row is
    expect(r.rowsQuarantined).to.equal(gen.badRows);
    await expectBalanced(db, r);
    // every corruption the generator can write is recognised with its own reason
    const reasons = (await db.query<{ reason: string }>('select distinct unnest(reasons) as reason from quarantine where batch_id = $1', [r.batchId])).map((x) => x.reason);
    const text: Record<string, string> = {
      missing_value: 'missing value',
      not_a_number: 'not a number',
      not_finite: 'not a finite number',
      below_min: 'below the minimum',
      above_max: 'above the maximum',
      unknown_level: 'unknown level',
      bad_time: 'not a valid date',
    };
    for (const k of corruptionsFor(defaultConfig().contract, true)) {
      const prefix = `${k.column}: ${text[k.kind]}`;
      expect(reasons.some((x) => x.startsWith(prefix)), `${prefix} (${k.kind})`).to.equal(true);
    }
    // what was accepted satisfies the contract
    const [bad] = await db.query<{ n: number }>(
      `select count(*) as n from raw_data where batch_id = $1 and (temperature_c not between -40 and 50 or renewable_share not between 0 and 1
         or isnan(energy_mwh) or region = 'Atlantis' or sector = 'Atlantis' or co2_tonnes < 0)`,
      [r.batchId],
    );
    expect(bad.n).to.equal(0);
  });

  it('a labelled row supersedes the older rows with its key, and only those; a batch of later dates supersedes nothing', async () => {
    const own = await openDatabase(path.join(tmp(), 'supersede.duckdb'));
    try {
      const superseded = () => own.query<{ batch_id: number; facility_id: string; date: string; superseded_by: number | null }>('select batch_id, facility_id, date, superseded_by from raw_data order by all');
      const first = await ingestFile(own, defaultConfig(), writeCsv(file('history'), defaultHeader(), [
        defaultRow({ facility_id: 'F1', date: '2024-01-01' }),
        defaultRow({ facility_id: 'F1', date: '2024-01-02' }),
        defaultRow({ facility_id: 'F2', date: '2024-01-02' }),
        defaultRow({ facility_id: 'F1', date: '2024-01-05' }),
      ]));
      // later dates only: nothing older lies in its time range
      const later = await ingestFile(own, defaultConfig(), writeCsv(file('later'), defaultHeader(), [defaultRow({ facility_id: 'F1', date: '2024-02-01' }), defaultRow({ facility_id: 'F2', date: '2024-02-02' })]));
      expect((await superseded()).filter((r) => r.superseded_by !== null)).to.deep.equal([]);
      // a correction of F1 on 2024-01-02 (labelled), an unlabelled row for F2 on the same day, a new key inside the range
      const fix = await ingestFile(own, defaultConfig(), writeCsv(file('fix'), defaultHeader(), [
        defaultRow({ facility_id: 'F1', date: '2024-01-02', co2_tonnes: 70 }),
        defaultRow({ facility_id: 'F2', date: '2024-01-02', co2_tonnes: '' }),
        defaultRow({ facility_id: 'F3', date: '2024-01-03' }),
      ]));
      expect((await superseded()).filter((r) => r.superseded_by !== null)).to.deep.equal([{ batch_id: first.batchId, facility_id: 'F1', date: '2024-01-02', superseded_by: fix.batchId }]);
      expect(later.batchId).to.be.greaterThan(first.batchId);
    } finally {
      await own.close();
    }
  });

  it('ingests a file without the target column as an unlabelled batch', async () => {
    const f = file('no-target');
    await generateFile(f, { rows: 500, seed: 9, withTarget: false });
    const r = await ingestFile(db, defaultConfig(), f);
    expect(r).to.include({ rowsRead: 500, rowsAccepted: 500, rowsQuarantined: 0, rowsLabelled: 0, hasTarget: false });
    expect(await batchRow(db, r.batchId)).to.include({ has_target: false, rows_labelled: 0 });
    expect(await countRows(db, 'raw_data', `batch_id = ${r.batchId} and co2_tonnes is not null`)).to.equal(0);
  });

  it('ingests Parquet with the same result as the CSV of the same seed', async () => {
    const pq = path.join(tmp(), 'same.parquet');
    const cs = file('same');
    await generateFile(pq, { rows: 3000, seed: 21 });
    await generateFile(cs, { rows: 3000, seed: 21 });
    const a = await ingestFile(db, defaultConfig(), pq);
    const b = await ingestFile(db, defaultConfig(), cs);
    expect(a).to.include({ rowsRead: 3000, rowsAccepted: 3000, rowsQuarantined: 0 });
    expect(await batchRow(db, a.batchId)).to.include({ file_format: 'parquet' });
    const [d] = await db.query<{ n: number }>(
      `select count(*) as n from (
         select ${contractColumns()} from raw_data where batch_id = $1
         except all
         select ${contractColumns()} from raw_data where batch_id = $2)`,
      [a.batchId, b.batchId],
    );
    expect(d.n).to.equal(0);
  });

  it('ignores columns the contract does not know, keeping them in quarantine raw values', async () => {
    const H = [...defaultHeader(), 'comment'];
    const f = writeCsv(file('extra'), H, [
      [...defaultRow({ facility_id: 'X1' }), 'fine'],
      [...defaultRow({ facility_id: 'X2', region: 'Atlantis' }), 'bad region'],
    ]);
    const r = await ingestFile(db, defaultConfig(), f);
    expect(r).to.include({ rowsRead: 2, rowsAccepted: 1, rowsQuarantined: 1 });
    const [q] = await quarantined(db, r.batchId);
    expect(q.raw.comment).to.equal('bad region');
  });

  describe('another contract: a yearly country panel', () => {
    let panel: Config;
    let panelDb: PipelineDb;
    let panelIngest: Awaited<ReturnType<typeof ingestFile>>;

    before(async () => {
      const cfgFile = writeYaml(path.join(tmp(), 'panel.yaml'), {
        stages: { DEV: { database: 'data/panel-dev.duckdb' }, UAT: { database: 'data/panel-uat.duckdb' }, PROD: { database: 'data/panel-prod.duckdb' } },
        dataset: {
          name: 'country_panel',
          delimiter: ';',
          time: { column_kind: 'integer' },
          columns: [
            { name: 'country', role: 'id' },
            { name: 'year', role: 'timestamp', type: 'integer' },
            { name: 'income_group', role: 'categorical', levels: ['low', 'middle', 'high'] },
            { name: 'gdp_bn_eur', role: 'numeric', min: 0 },
            { name: 'population_m', role: 'numeric', type: 'integer', min: 0 },
            { name: 'co2_mt', role: 'target', min: 0 },
          ],
          derived: { gdp_per_capita: 'gdp_bn_eur / population_m' },
        },
      });
      panel = loadConfig(cfgFile);
      panelDb = await openDatabase(path.join(tmp(), 'panel.duckdb'));
      // the panel's own CSV, ingested here: every test below reads a database that holds the panel contract
      const f = path.join(tmp(), 'panel.csv');
      writeFileSync(
        f,
        [
          'country;year;income_group;gdp_bn_eur;population_m;co2_mt',
          'IT;2020;high;1660.5;59;300.1', //  2 accepted
          'IT;2021;high;1780;59;320', //      3 accepted
          'FR;2020;high;2300;67;', //         4 accepted, unlabelled
          'FR;x;high;2300;67;1', //           5 year not an integer
          'DE;2020;medium;3300;83;600', //    6 unknown level
          'IT;2020;high;1;1;1', //            7 duplicate key
          'DE;2021;high;-5;83;600', //        8 below minimum
        ].join('\n') + '\n',
      );
      panelIngest = await ingestFile(panelDb, panel, f);
    });

    after(async () => {
      await panelDb?.close();
    });

    it('builds its contract from the YAML', () => {
      expect(panel.contract).to.include({ name: 'country_panel', delimiter: ';', timeKind: 'integer', calendarFeatures: false });
      expect(panel.contract.idColumns).to.deep.equal(['country']);
      expect(panel.contract.target.name).to.equal('co2_mt');
    });

    it('creates raw_data with its own columns and ingests its own CSV', async () => {
      const r = panelIngest;
      expect(r).to.include({ rowsRead: 7, rowsAccepted: 3, rowsQuarantined: 4, rowsLabelled: 2, hasTarget: true });
      await expectBalanced(panelDb, r);
      const cols = await panelDb.query<{ name: string; type: string }>(
        "select column_name as name, data_type as type from information_schema.columns where table_name = 'raw_data' order by ordinal_position",
      );
      // the contract's columns, in order and typed, beside the pipeline's own (batch_id, source_row, ...)
      expect(cols.map((c) => c.name)).to.include.members(['batch_id', 'source_row']);
      expect(cols.filter((c) => panel.contract.columns.some((k) => k.name === c.name))).to.deep.equal([
        { name: 'country', type: 'VARCHAR' },
        { name: 'year', type: 'BIGINT' },
        { name: 'income_group', type: 'VARCHAR' },
        { name: 'gdp_bn_eur', type: 'DOUBLE' },
        { name: 'population_m', type: 'BIGINT' },
        { name: 'co2_mt', type: 'DOUBLE' },
      ]);
      expect(await panelDb.query('select source_row, country, year, income_group, gdp_bn_eur, population_m, co2_mt from raw_data order by source_row')).to.deep.equal([
        { source_row: 2, country: 'IT', year: 2020, income_group: 'high', gdp_bn_eur: 1660.5, population_m: 59, co2_mt: 300.1 },
        { source_row: 3, country: 'IT', year: 2021, income_group: 'high', gdp_bn_eur: 1780, population_m: 59, co2_mt: 320 },
        { source_row: 4, country: 'FR', year: 2020, income_group: 'high', gdp_bn_eur: 2300, population_m: 67, co2_mt: null },
      ]);
      const q = await quarantined(panelDb, r.batchId);
      expect(q.map((x) => [x.source_row, x.reasons])).to.deep.equal([
        [5, ['year: not an integer (x)']],
        [6, ["income_group: unknown level 'medium'"]],
        [7, ['duplicate key: same (country, year) as row 2']],
        [8, ['gdp_bn_eur: below the minimum 0 (-5)']],
      ]);
      expect(await batchRow(panelDb, r.batchId)).to.include({ min_time: '2020', max_time: '2021' });
      const [contract] = await panelDb.query<{ dataset_name: string }>('select dataset_name from dataset_contracts');
      expect(contract.dataset_name).to.equal('country_panel');
    });

    it("refuses to load the default contract's data into the panel database", async () => {
      const f = file('wrong-db');
      await generateFile(f, { rows: 10, seed: 1 });
      let caught: unknown;
      try {
        await ingestFile(panelDb, defaultConfig(), f);
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(ConfigError);
      expect((caught as Error).message).to.match(/database holds dataset 'country_panel' with other columns than the configured contract 'italy_facility_co2'/);
      expect(await countRows(panelDb, 'ingest_batches')).to.equal(1);
    });
  });
});
