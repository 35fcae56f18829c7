import { expect } from 'chai';
import { formatRows, type QueryOutput } from '../../../src/inspect/read-only-query.ts';

const out: QueryOutput = {
  columns: ['id', 'name', 'at', 'tags', 'big'],
  rows: [
    { id: 1, name: 'plain', at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), tags: ['a', 'b'], big: 9007199254740993n },
    { id: 2, name: 'with, comma and "quote"', at: null, tags: null, big: null },
  ],
};

describe('inspect: formatRows', () => {
  it('json: an array of objects, bigints as strings', () => {
    const parsed = JSON.parse(formatRows(out, 'json'));
    expect(parsed).to.deep.equal([
      { id: 1, name: 'plain', at: '2024-01-02T03:04:05.000Z', tags: ['a', 'b'], big: '9007199254740993' },
      { id: 2, name: 'with, comma and "quote"', at: null, tags: null, big: null },
    ]);
  });

  it('csv: a header line and quoted fields where needed', () => {
    expect(formatRows(out, 'csv')).to.equal(
      'id,name,at,tags,big\n' + '1,plain,2024-01-02T03:04:05.000Z,"[""a"",""b""]",9007199254740993\n' + '2,"with, comma and ""quote""",,,\n',
    );
  });

  it('table: aligned columns, a rule and the row count', () => {
    const lines = formatRows({ columns: ['n', 'label'], rows: [{ n: 1, label: 'a' }, { n: 100, label: 'bb' }] }, 'table').split('\n');
    expect(lines).to.deep.equal(['n    label', '---  -----', '1    a', '100  bb', '(2 rows)', '']);
  });

  it('table: says (1 row) and (0 rows)', () => {
    expect(formatRows({ columns: ['x'], rows: [{ x: 1 }] }, 'table')).to.match(/\(1 row\)\n$/);
    expect(formatRows({ columns: ['x'], rows: [] }, 'table')).to.equal('x\n-\n(0 rows)\n');
  });

  it('table: cuts long values at 60 characters', () => {
    const text = formatRows({ columns: ['v'], rows: [{ v: 'x'.repeat(100) }] }, 'table');
    const valueLine = text.split('\n')[2];
    expect(valueLine).to.have.length(60);
    expect(valueLine.endsWith('…')).to.equal(true);
  });
});
