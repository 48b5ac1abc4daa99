import { planImport } from '../../src/core/import/import-plan';
import { parsePortfolioCsv } from '../../src/core/import/portfolio-csv';
import type { Partner } from '../../src/core/model';

describe('reading a portfolio CSV', () => {
  it('finds columns by header in any order and case, and numbers rows by the line they start on', () => {
    const parsed = parsePortfolioCsv(
      '\uFEFFOwners,NAME,Signed-Date,Notes\r\n' +
        'a@x.com,Nissan,2025-01-02,"two\r\nlines"\r\n' +
        '\r\n' +
        ",'=Evil Corp,,\r\n",
    );

    expect(parsed).toEqual({
      ok: true,
      ignoredColumns: ['Notes'],
      rows: [
        { line: 2, cells: { ownerEmails: 'a@x.com', name: 'Nissan', signedOn: '2025-01-02' } },
        // The export's formula guard comes off again.
        { line: 5, cells: { name: '=Evil Corp' } },
      ],
    });
  });

  it('refuses a file without a name column, with two columns for one field, or not CSV at all', () => {
    expect(parsePortfolioCsv('stage\nsigned\n')).toMatchObject({
      ok: false,
      error: expect.stringContaining('no "name" column') as unknown,
    });
    expect(parsePortfolioCsv('name,partner\nA,B\n')).toMatchObject({
      ok: false,
      error: expect.stringContaining('"partner"') as unknown,
    });
    expect(parsePortfolioCsv('name\n"Nissan\n')).toMatchObject({
      ok: false,
      error: expect.stringContaining('not readable as CSV') as unknown,
    });
    expect(parsePortfolioCsv('')).toMatchObject({ ok: false });
  });
});

describe('planning an import', () => {
  const partner: Partner = {
    id: 7,
    workspaceId: 'shell:local',
    name: 'Nissan',
    stage: 'exploring',
    country: 'JP',
    timeZone: 'Asia/Tokyo',
    firstMetOn: '2025-03-01',
    signedOn: null,
    stageChangedAt: new Date('2025-01-01T00:00:00Z'),
    createdAt: new Date('2025-01-01T00:00:00Z'),
    createdBy: 'ada',
    owners: ['ada'],
  };
  const plan = (csv: string, lastContact: string | null = '2025-05-01') => {
    const parsed = parsePortfolioCsv(csv);
    if (!parsed.ok) throw new Error(parsed.error);
    return planImport({
      ...parsed,
      existing: [{ partner, lastContact }],
      emails: new Map([['bo@x.com', 'bo']]),
      memberIds: new Set(['ada', 'bo']),
      defaultOwner: null,
      today: '2026-03-02',
    });
  };

  it('records only what Rapport does not know yet: an earlier first meeting, a later last contact', () => {
    const later = plan('name,first meeting,last contact\nnissan,2025-04-01,2025-04-15\n');
    const earlier = plan('name,first meeting,last contact,owners\nNISSAN,2025-02-01,2025-06-01,bo@x.com\n');

    expect(later.rows[0]).toMatchObject({ outcome: 'unchanged', changes: [], interactions: [] });
    expect(earlier.rows[0]).toMatchObject({
      outcome: 'update',
      patch: { firstMetOn: '2025-02-01' },
      addOwners: ['bo'],
      interactions: [
        { kind: 'meeting', occurredOn: '2025-02-01' },
        { kind: 'call', occurredOn: '2025-06-01' },
      ],
    });
  });

  it('collects every mistake of a row, with its line', () => {
    const result = plan('name,stage,country,owner_ids\nVolvo,won,SWE,zed\n,exploring,,\n');

    expect(result.rows).toEqual([]);
    expect(result.errors).toEqual([
      {
        line: 2,
        name: 'Volvo',
        problems: [
          'unknown stage "won" (one of: exploring, negotiating, signed, ended)',
          'unknown country code "SWE" (use two letters, e.g. JP, DE, US)',
          'no member has the id zed',
        ],
      },
      { line: 3, name: null, problems: ['The partner needs a name.'] },
    ]);
    expect(plan('name,stage\nNissan,signed\n').errors).toEqual([
      { line: 2, name: 'Nissan', problems: ['a signed partner needs its signed date'] },
    ]);
  });
});
