/**
 * Export of a workspace's data (partners, interactions, answers to nudges, and promises once there are
 * any) as CSV or JSON files. Pure:
 * the caller gathers the data; channels and the command line write the files.
 *
 * CSV follows RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma, a double
 * quote (doubled inside), a line break or edge spaces. Files are UTF-8 with a byte-order mark, which is
 * what makes spreadsheets read non-ASCII names correctly. Text that a spreadsheet would run as a formula
 * (starting with = + - @, a tab or a carriage return) is prefixed with an apostrophe.
 */
import type { MessageFile } from './messages';
import type { Interaction, Member, Nudge, Owner, Partner, PartnerPromise, Workspace } from './model';
import type { Playbook } from './playbook/playbook';
import { findRule } from './playbook/playbook';

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type ExportValue = string | number | null;
export type ExportRow = Record<string, ExportValue>;

/** One table of the export: its columns, in order, and its rows. */
export interface ExportTable {
  name: 'partners' | 'interactions' | 'answers' | 'promises';
  columns: readonly string[];
  rows: ExportRow[];
}

export interface ExportData {
  workspace: Workspace;
  partners: Partner[];
  interactions: Interaction[];
  /** Nudges that were answered (by a choice or by logging). */
  answers: Nudge[];
  members: Member[];
  playbook: Playbook;
  /** Promises both ways; their table is exported when there is at least one. */
  promises?: PartnerPromise[];
  /** Each partner's owners with their roles, by partner id (absent: the ids of `Partner.owners` only). */
  owners?: ReadonlyMap<number, readonly Owner[]>;
}

export const PARTNER_COLUMNS = [
  'id',
  'name',
  'stage',
  'country',
  'time_zone',
  'first_met_on',
  'signed_on',
  'owner_ids',
  'owners',
  'owner_roles',
  'lead_owner_id',
  'created_at',
  'created_by',
] as const;

export const INTERACTION_COLUMNS = [
  'id',
  'partner_id',
  'partner',
  'occurred_on',
  'kind',
  'member_id',
  'member',
  'rating',
  'note',
  'nudge_id',
  'created_at',
] as const;

export const ANSWER_COLUMNS = [
  'nudge_id',
  'partner_id',
  'partner',
  'rule_id',
  'rule',
  'occurrence',
  'due_at',
  'answer',
  'answer_label',
  'answered_by',
  'answered_by_name',
  'answered_at',
] as const;

export const PROMISE_COLUMNS = [
  'id',
  'partner_id',
  'partner',
  'direction',
  'text',
  'due_on',
  'status',
  'moved_count',
  'owner_id',
  'owner',
  'created_at',
  'resolved_at',
  'resolved_by',
] as const;

/** The tables, rows in a stable order (by id, or by answer time); promises only when there are some. */
export function exportTables(data: ExportData): ExportTable[] {
  const names = new Map(data.members.map((m) => [m.id, m.displayName ?? m.id]));
  const partnerNames = new Map(data.partners.map((p) => [p.id, p.name]));
  const partners = [...data.partners]
    .sort((a, b) => a.id - b.id)
    .map((p) => ({
      id: p.id,
      name: p.name,
      stage: p.stage,
      country: p.country,
      time_zone: p.timeZone,
      first_met_on: p.firstMetOn,
      signed_on: p.signedOn,
      owner_ids: p.owners.join(';'),
      owners: p.owners.map((id) => names.get(id) ?? id).join(';'),
      // In the order of `owner_ids`.
      owner_roles: p.owners
        .map((id) => data.owners?.get(p.id)?.find((owner) => owner.memberId === id)?.role ?? '')
        .join(';'),
      lead_owner_id: data.owners?.get(p.id)?.find((owner) => owner.lead)?.memberId ?? null,
      created_at: p.createdAt.toISOString(),
      created_by: p.createdBy,
    }));
  const interactions = [...data.interactions]
    .sort((a, b) => a.id - b.id)
    .map((i) => ({
      id: i.id,
      partner_id: i.partnerId,
      partner: partnerNames.get(i.partnerId) ?? null,
      occurred_on: i.occurredOn,
      kind: i.kind,
      member_id: i.memberId,
      member: names.get(i.memberId) ?? null,
      rating: i.rating,
      note: i.note,
      nudge_id: i.nudgeId,
      created_at: i.createdAt.toISOString(),
    }));
  const answers = [...data.answers]
    .sort((a, b) => (a.answeredAt?.getTime() ?? 0) - (b.answeredAt?.getTime() ?? 0) || a.id - b.id)
    .map((n) => {
      const rule = findRule(data.playbook, n.ruleId);
      const label =
        rule?.choices.find((c) => c.id === n.answer)?.label ?? (n.answer === '_log' ? 'Logged' : n.answer);
      return {
        nudge_id: n.id,
        partner_id: n.partnerId,
        partner: partnerNames.get(n.partnerId) ?? null,
        rule_id: n.ruleId,
        rule: rule?.title ?? null,
        occurrence: n.occurrence,
        due_at: n.dueAt.toISOString(),
        answer: n.answer,
        answer_label: label,
        answered_by: n.answeredBy,
        answered_by_name: n.answeredBy ? (names.get(n.answeredBy) ?? null) : null,
        answered_at: n.answeredAt ? n.answeredAt.toISOString() : null,
      };
    });
  return [
    { name: 'partners', columns: PARTNER_COLUMNS, rows: partners },
    { name: 'interactions', columns: INTERACTION_COLUMNS, rows: interactions },
    { name: 'answers', columns: ANSWER_COLUMNS, rows: answers },
    ...(data.promises?.length
      ? [
          {
            name: 'promises' as const,
            columns: PROMISE_COLUMNS,
            rows: [...data.promises]
              .sort((a, b) => a.id - b.id)
              .map((p) => ({
                id: p.id,
                partner_id: p.partnerId,
                partner: partnerNames.get(p.partnerId) ?? null,
                direction: p.direction,
                text: p.text,
                due_on: p.dueOn,
                status: p.status,
                moved_count: p.movedCount,
                owner_id: p.ownerId,
                owner: names.get(p.ownerId) ?? null,
                created_at: p.createdAt.toISOString(),
                resolved_at: p.resolvedAt ? p.resolvedAt.toISOString() : null,
                resolved_by: p.resolvedBy,
              })),
          },
        ]
      : []),
  ];
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field, quoted only when it needs to be. */
export function csvField(value: ExportValue | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  if (/[",\r\n]/.test(text) || text !== text.trim()) return `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** A table as an RFC 4180 document with a header row (and nothing else when there are no rows). */
export function toCsv(table: ExportTable): string {
  const lines = [
    table.columns.map((column) => csvField(column)).join(','),
    ...table.rows.map((row) => table.columns.map((column) => csvField(row[column])).join(',')),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** The files of an export: one CSV per table, or one JSON document with every table. */
export function exportFiles(data: ExportData, format: ExportFormat, now: Date, day: string): MessageFile[] {
  const tables = exportTables(data);
  const base = `rapport-${data.workspace.id.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
  if (format === 'csv') {
    return tables.map((table) => ({
      name: `${base}-${table.name}-${day}.csv`,
      mimeType: 'text/csv',
      content: toCsv(table),
    }));
  }
  const document = {
    workspace: { id: data.workspace.id, name: data.workspace.name },
    exportedAt: now.toISOString(),
    ...Object.fromEntries(tables.map((table) => [table.name, table.rows])),
  };
  return [
    {
      name: `${base}-${day}.json`,
      mimeType: 'application/json',
      content: `${JSON.stringify(document, null, 2)}\n`,
    },
  ];
}
