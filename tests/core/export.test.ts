import { parse } from 'csv-parse/sync';
import type { ExportTable } from '../../src/core/export';
import { csvField, toCsv } from '../../src/core/export';

describe('CSV fields (RFC 4180)', () => {
  it.each([
    ['plain', 'plain'],
    ['a, b', '"a, b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\r\nlines', '"two\r\nlines"'],
    ['line\nfeed', '"line\nfeed"'],
    [' padded ', '" padded "'],
    ['Zürich — 東京', 'Zürich — 東京'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+33 1 23', "'+33 1 23"],
    ['-1', "'-1"],
    ['@cmd', "'@cmd"],
    [3, '3'],
    [null, ''],
  ])('writes %j as %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
});

describe('CSV documents', () => {
  const table: ExportTable = {
    name: 'interactions',
    columns: ['id', 'note', 'rating'],
    rows: [
      { id: 1, note: 'Toured the plant, met "Sato-san"\r\nAgreed next steps', rating: 4 },
      { id: 2, note: null, rating: null },
      { id: 3, note: 'Nemawashi: 根回し ✓', rating: 5 },
    ],
  };

  it('start with a UTF-8 byte-order mark and a header row, and end every record with CRLF', () => {
    const csv = toCsv(table);
    expect(csv.startsWith('\uFEFFid,note,rating\r\n')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.split('\r\n')).toHaveLength(1 + 3 + 1 + 1);
  });

  it('parse back to the same rows with a standard CSV parser', () => {
    const rows = parse(toCsv(table), { bom: true, columns: true, record_delimiter: '\r\n' });
    expect(rows).toEqual([
      { id: '1', note: 'Toured the plant, met "Sato-san"\r\nAgreed next steps', rating: '4' },
      { id: '2', note: '', rating: '' },
      { id: '3', note: 'Nemawashi: 根回し ✓', rating: '5' },
    ]);
  });

  it('of an empty table hold the header row only', () => {
    const csv = toCsv({ ...table, rows: [] });
    expect(csv).toBe('\uFEFFid,note,rating\r\n');
    expect(parse(csv, { bom: true, columns: true })).toEqual([]);
  });
});
