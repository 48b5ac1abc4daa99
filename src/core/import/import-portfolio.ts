/**
 * Importing an existing portfolio from a spreadsheet: a dry run by default (what would change, and every
 * row's mistakes with its line number), or, when asked and only when no row has a mistake, everything
 * written in one transaction — all of the file or none of it.
 */
import { CONTACT_KINDS } from '../model';
import type { IsoDate, KindHistory, Partner } from '../model';
import { refreshSchedule } from '../playbook/partner-schedule';
import type { Playbook } from '../playbook/playbook';
import type { Store, UnitOfWork } from '../ports';
import type { ExistingPartner, ImportPlan, OwnerResolver, PlannedRow } from './import-plan';
import { fileEmails, nameKey, planImport } from './import-plan';
import { knownMemberOwners } from './member-owners';
import { parsePortfolioCsv } from './portfolio-csv';

export interface ImportOptions {
  /** Write the changes (only when no row has a mistake); otherwise only say what would change. */
  apply: boolean;
  /**
   * Finds owners by e-mail on the platform (Slack `users.lookupByEmail`, the Teams roster). Addresses it
   * does not know, or all of them without one, are looked up among the members Rapport knows.
   */
  resolver?: OwnerResolver;
  /** Owner of a new partner whose row names none (the member importing in chat); null: such a row is refused. */
  defaultOwner: string | null;
  /** Who the imported interactions are logged by; null: each partner's first owner. */
  importedBy: string | null;
  /** Today where the importer lives. */
  today: IsoDate;
}

export type ImportOutcome =
  { ok: false; error: string } | { ok: true; plan: ImportPlan; applied: boolean; counts: ImportCounts };

export interface ImportCounts {
  new: number;
  updated: number;
  unchanged: number;
  errors: number;
}

export async function importPortfolio(
  store: Store,
  playbook: Playbook,
  workspaceId: string,
  csv: string,
  options: ImportOptions,
  now: Date,
): Promise<ImportOutcome> {
  const parsed = parsePortfolioCsv(csv);
  if (!parsed.ok) return parsed;
  const [emails, members, partners] = await Promise.all([
    resolveOwners(store, workspaceId, fileEmails(parsed.rows), options.resolver),
    store.members.listByWorkspace(workspaceId),
    store.partners.list(workspaceId),
  ]);
  const named = new Set(
    parsed.rows.filter((r) => r.cells.lastContact).map((r) => nameKey(r.cells.name ?? '')),
  );
  const existing: ExistingPartner[] = [];
  for (const partner of partners) {
    // The last contact matters only to rows that give one: one history read each.
    const history = named.has(nameKey(partner.name))
      ? await store.partners.history(workspaceId, partner.id)
      : null;
    existing.push({ partner, lastContact: history ? lastContactIn(history) : null });
  }
  const plan = planImport({
    rows: parsed.rows,
    ignoredColumns: parsed.ignoredColumns,
    existing,
    emails,
    memberIds: new Set(members.map((m) => m.id)),
    defaultOwner: options.defaultOwner,
    today: options.today,
  });
  const counts = countPlan(plan);
  if (!options.apply || plan.errors.length || counts.new + counts.updated === 0)
    return { ok: true, plan, applied: false, counts };
  await store.transaction(async (tx) => {
    for (const row of plan.rows) await applyRow(tx, playbook, workspaceId, row, options.importedBy, now);
  });
  return { ok: true, plan, applied: true, counts };
}

async function resolveOwners(
  store: Store,
  workspaceId: string,
  emails: string[],
  resolver: OwnerResolver | undefined,
): Promise<Map<string, string | null>> {
  const found =
    resolver && emails.length ? await resolver.membersByEmail(emails) : new Map<string, string | null>();
  const rest = emails.filter((email) => !found.get(email));
  if (rest.length === 0) return found;
  const known = await knownMemberOwners(store.members, workspaceId).membersByEmail(rest);
  return new Map(emails.map((email) => [email, found.get(email) ?? known.get(email) ?? null]));
}

function lastContactIn(history: KindHistory): IsoDate | null {
  let last: IsoDate | null = null;
  for (const kind of CONTACT_KINDS) {
    const seen = history[kind]?.last;
    if (seen && (!last || seen > last)) last = seen;
  }
  return last;
}

function countPlan(plan: ImportPlan): ImportCounts {
  const count = (outcome: PlannedRow['outcome']): number =>
    plan.rows.filter((row) => row.outcome === outcome).length;
  return {
    new: count('new'),
    updated: count('update'),
    unchanged: count('unchanged'),
    errors: plan.errors.length,
  };
}

async function applyRow(
  tx: UnitOfWork,
  playbook: Playbook,
  workspaceId: string,
  row: PlannedRow,
  importedBy: string | null,
  now: Date,
): Promise<void> {
  if (row.outcome === 'unchanged') return;
  let partner: Partner;
  if (row.outcome === 'new') {
    const { stage, country, timeZone, signedOn, firstMetOn } = row.create;
    partner = await tx.partners.create({
      workspaceId,
      name: row.name,
      stage,
      country,
      signedOn,
      createdBy: row.owner,
      now,
    });
    if (firstMetOn || timeZone)
      partner = await tx.partners.update(workspaceId, partner.id, {
        ...(timeZone ? { timeZone } : {}),
        ...(firstMetOn ? { firstMetOn } : {}),
      });
  } else {
    const patch = { ...row.patch, ...(row.patch.stage ? { stageChangedAt: now } : {}) };
    partner = Object.keys(patch).length
      ? await tx.partners.update(workspaceId, row.partner.id, patch)
      : row.partner;
  }
  for (const owner of row.addOwners) await tx.partners.addOwner(workspaceId, partner.id, owner);
  for (const interaction of row.interactions) {
    await tx.interactions.add({
      workspaceId,
      partnerId: partner.id,
      memberId: importedBy ?? partner.owners[0] ?? partner.createdBy,
      kind: interaction.kind,
      occurredOn: interaction.occurredOn,
      note: interaction.note,
      now,
    });
  }
  const current = row.addOwners.length ? await tx.partners.get(workspaceId, partner.id) : partner;
  await refreshSchedule(tx, current ?? partner, now, playbook);
}

/**
 * The outcome in lines of plain text: a summary, every row with mistakes (line number first), then the new
 * and the updated partners with what changes; at most `limit` lines per group (a chat), all by default.
 */
export function importReportLines(
  outcome: ImportOutcome,
  { limit = Infinity, applyHint = 'Add --apply to import it.' }: { limit?: number; applyHint?: string } = {},
): string[] {
  if (!outcome.ok) return [outcome.error];
  const { plan, counts, applied } = outcome;
  const lines: string[] = [];
  const summary = `${counts.new} new, ${counts.updated} updated, ${counts.unchanged} unchanged`;
  if (counts.errors)
    lines.push(
      `${counts.errors} row${counts.errors === 1 ? '' : 's'} with mistakes: nothing was imported. Fix them and import again.`,
      `The other rows are fine: ${summary}.`,
    );
  else if (applied) lines.push(`Imported: ${summary}.`);
  else if (counts.new + counts.updated === 0) lines.push(`Nothing to change: ${summary}.`);
  else lines.push(`Dry run, nothing written. It would be: ${summary}. ${applyHint}`);
  const group = (title: string, items: string[]): void => {
    if (!items.length) return;
    lines.push('', `${title}:`);
    lines.push(...items.slice(0, limit).map((item) => `  ${item}`));
    if (items.length > limit) lines.push(`  …and ${items.length - limit} more.`);
  };
  group(
    'Rows with mistakes',
    plan.errors.map((e) => `line ${e.line}${e.name ? ` (${e.name})` : ''}: ${e.problems.join('; ')}`),
  );
  const described = (outcomeName: PlannedRow['outcome']): string[] =>
    plan.rows
      .filter((row) => row.outcome === outcomeName)
      .map((row) => `line ${row.line} ${row.name}: ${row.changes.join(', ')}`);
  // With mistakes, the rows to fix are what matters; the changes are listed once nothing stands in the way.
  if (!counts.errors) {
    group(applied ? 'New partners' : 'New partners it would add', described('new'));
    group(applied ? 'Updated' : 'Updates it would make', described('update'));
  }
  if (plan.ignoredColumns.length) lines.push('', `Columns ignored: ${plan.ignoredColumns.join(', ')}.`);
  return lines;
}
