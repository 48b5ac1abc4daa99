/**
 * Reads a portfolio spreadsheet (CSV) into rows with their line numbers. Pure: the caller reads the file.
 *
 * Columns are found by their header, in any order and any case (spaces, dashes and underscores alike):
 *
 * | column | also accepted as | what it holds |
 * | --- | --- | --- |
 * | name | partner | the partner's name (required) |
 * | stage | | exploring, negotiating, signed or ended |
 * | signed_date | signed, signed_on | the day the agreement was signed |
 * | country | country_code | an ISO 3166 two-letter code, e.g. JP |
 * | time_zone | timezone, tz | an IANA zone, e.g. Asia/Tokyo (default: the country's only zone, if it has one) |
 * | owners | owner, owner_emails | owners' e-mail addresses, separated by `;` (or spaces) |
 * | owner_ids | | owners' member ids, separated by `;` (what `export` writes) |
 * | first_meeting | first_met_on | the day of the first meeting |
 * | last_contact | | the day of the last contact |
 *
 * A file written by `export` has `owner_ids` and an `owners` column of display names: when `owner_ids` is
 * there, owners are read from it and the `owners` column is left alone. Other columns (`id`, `created_at`…)
 * are ignored, and said to be.
 */
import { parse } from 'csv-parse/sync';

export const IMPORT_FIELDS = [
  'name',
  'stage',
  'signedOn',
  'country',
  'timeZone',
  'ownerEmails',
  'ownerIds',
  'firstMeeting',
  'lastContact',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** One data row of the file: its cells by field (trimmed; absent or empty cells left out) and its line. */
export interface ImportRow {
  /** The file's line the row starts on (the header is line 1). */
  line: number;
  cells: Partial<Record<ImportField, string>>;
}

export type ParsedPortfolio =
  { ok: true; rows: ImportRow[]; ignoredColumns: string[] } | { ok: false; error: string };

/** Most data rows one import takes; a bigger portfolio is imported in parts. */
export const IMPORT_MAX_ROWS = 5_000;

const HEADERS: Record<string, ImportField> = {
  name: 'name',
  partner: 'name',
  partner_name: 'name',
  stage: 'stage',
  signed: 'signedOn',
  signed_on: 'signedOn',
  signed_date: 'signedOn',
  country: 'country',
  country_code: 'country',
  time_zone: 'timeZone',
  timezone: 'timeZone',
  tz: 'timeZone',
  owners: 'ownerEmails',
  owner: 'ownerEmails',
  owner_emails: 'ownerEmails',
  owner_email: 'ownerEmails',
  owner_ids: 'ownerIds',
  first_meeting: 'firstMeeting',
  first_met_on: 'firstMeeting',
  last_contact: 'lastContact',
};

function headerKey(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** Parses the CSV text (UTF-8, with or without a byte-order mark, a header row first). */
export function parsePortfolioCsv(text: string): ParsedPortfolio {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // Line ends made one kind first: csv-parse counts a CRLF inside a quoted cell as two lines.
    records = parse(text.replace(/\r\n?/g, '\n'), {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (error) {
    const lines = (error as { lines?: unknown }).lines;
    const where = typeof lines === 'number' ? ` (near line ${lines})` : '';
    return { ok: false, error: `The file is not readable as CSV${where}: ${(error as Error).message}` };
  }
  const [header, ...data] = records;
  if (!header)
    return { ok: false, error: 'The file is empty: it needs a header row and one row per partner.' };
  const columns = header.record.map((cell) => HEADERS[headerKey(cell)] ?? null);
  if (!columns.includes('name'))
    return {
      ok: false,
      error: `The file has no "name" column (its header row is: ${header.record.join(', ').slice(0, 200)}).`,
    };
  const seen = new Set<ImportField>();
  for (const [index, field] of columns.entries()) {
    if (!field) continue;
    if (seen.has(field))
      return { ok: false, error: `The column "${header.record[index]}" says the same as another column.` };
    seen.add(field);
  }
  if (data.length > IMPORT_MAX_ROWS)
    return {
      ok: false,
      error: `The file has ${data.length} rows; one import takes at most ${IMPORT_MAX_ROWS}. Split it.`,
    };
  const fromIds = seen.has('ownerIds');
  const ignoredColumns = header.record.filter(
    (cell, index) => !columns[index] || (fromIds && columns[index] === 'ownerEmails'),
  );
  const rows = data.map(({ record, info }) => {
    const cells: Partial<Record<ImportField, string>> = {};
    for (const [index, field] of columns.entries()) {
      if (!field || (fromIds && field === 'ownerEmails')) continue;
      const value = unescapeFormula(record[index] ?? '').trim();
      if (value) cells[field] = value;
    }
    // `info.lines` is where the record ends; a quoted cell may have spanned several lines.
    const breaks = record.join('').match(/\n/g)?.length ?? 0;
    return { line: info.lines - breaks, cells };
  });
  return { ok: true, rows, ignoredColumns };
}

/** `export` prefixes text a spreadsheet would run as a formula with an apostrophe; take it off again. */
function unescapeFormula(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}
