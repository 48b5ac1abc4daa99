/**
 * A member's own data (`export mine`), forgetting a member (`forget me`), and the retention of finished
 * nudges and digests. Forgetting knows every table that names a member: a new table that stores member
 * ids must be added here and in the PostgreSQL store's privacy repository (tests/store/privacy-repository.test.ts
 * looks for the member in every table of both).
 */
import type { MemberData, PrivacyRepository } from '../../core/ports';
import type { Connection, SqliteDb } from './connection';
import type { Row } from './rows';
import { iso, parseJsonOrNull } from './rows';

/** Finished nudges and digests: nothing will change them again. */
const FINISHED_NUDGES = `('answered', 'dismissed', 'expired', 'failed')`;
const FINISHED_DIGESTS = `('sent', 'skipped')`;

/**
 * Who inherits what the member logged about the partner in `column` (qualified with its table, or the
 * subquery would read its own `partner_id`): the partner's next owner, else the anonymous id.
 */
const heir = (column: string): string => `COALESCE(
  (SELECT po.member_id FROM partner_owners po
   WHERE po.partner_id = ${column} AND po.member_id != @memberId ORDER BY po.position LIMIT 1),
  @anonymousId)`;

export class SqlitePrivacyRepository implements PrivacyRepository {
  constructor(private readonly connection: Connection) {}

  exportMember(workspaceId: string, memberId: string): Promise<MemberData> {
    return this.connection.run((db) => {
      const all = (sql: string): Row[] => db.prepare(sql).all({ workspaceId, memberId }) as Row[];
      const member = all('SELECT * FROM members WHERE workspace_id = @workspaceId AND id = @memberId')[0];
      if (member) member.address = parseJsonOrNull(member.address);
      return {
        member: member ?? null,
        partnersOwned: all(
          `SELECT p.id, p.name, p.stage FROM partners p JOIN partner_owners o ON o.partner_id = p.id
           WHERE o.workspace_id = @workspaceId AND o.member_id = @memberId ORDER BY p.name`,
        ),
        interactions: all(
          `SELECT i.*, p.name AS partner_name FROM interactions i JOIN partners p ON p.id = i.partner_id
           WHERE i.workspace_id = @workspaceId AND i.member_id = @memberId ORDER BY i.id`,
        ),
        plannedEvents: all(
          `SELECT * FROM planned_events WHERE workspace_id = @workspaceId
             AND (planned_by = @memberId OR closed_by = @memberId) ORDER BY id`,
        ),
        nudges: all(
          `SELECT id, partner_id, rule_id, occurrence, due_at, status, sent_at, answered_at, answer, answered_by,
             created_at FROM nudges WHERE workspace_id = @workspaceId AND member_id = @memberId ORDER BY id`,
        ),
        digests: all(
          `SELECT week, status, sent_at, created_at FROM digests
           WHERE workspace_id = @workspaceId AND member_id = @memberId ORDER BY week`,
        ),
        journal: all(
          `SELECT id, partner_id, action, interaction_id, change, created_at, undone_at FROM journal
           WHERE workspace_id = @workspaceId AND member_id = @memberId ORDER BY id`,
        ).map((row) => ({ ...row, change: parseJsonOrNull(row.change) })),
        audit: all(
          `SELECT * FROM audit_log WHERE workspace_id = @workspaceId
             AND (actor_id = @memberId OR subject = @memberId) ORDER BY id`,
        ),
        playbookChanges: all(
          `SELECT rule_id, field, value, updated_at FROM playbook_overrides
           WHERE workspace_id = @workspaceId AND updated_by = @memberId ORDER BY rule_id, field`,
        ),
      };
    });
  }

  forgetMember(workspaceId: string, memberId: string, anonymousId: string): Promise<Record<string, number>> {
    return this.connection.run((db) => db.atomic(() => forget(db, { workspaceId, memberId, anonymousId })));
  }

  pruneFinished(before: Date, limit: number): Promise<{ nudges: number; digests: number }> {
    return this.connection.run((db) =>
      db.atomic(() => ({
        nudges: db
          .prepare(
            `DELETE FROM nudges WHERE id IN (
               SELECT id FROM nudges WHERE status IN ${FINISHED_NUDGES} AND updated_at < ?
               ORDER BY updated_at LIMIT ?)`,
          )
          .run(iso(before), limit).changes,
        digests: db
          .prepare(
            `DELETE FROM digests WHERE rowid IN (
               SELECT rowid FROM digests WHERE status IN ${FINISHED_DIGESTS} AND updated_at < ?
               ORDER BY updated_at LIMIT ?)`,
          )
          .run(iso(before), limit).changes,
      })),
    );
  }
}

/** The statements of `forgetMember`, in order: inherit first (ownership decides the heir), then delete. */
function forget(db: SqliteDb, params: Record<string, string>): Record<string, number> {
  const run = (sql: string): number => db.prepare(sql).run(params).changes;
  const inWorkspace = 'workspace_id = @workspaceId';
  const theirNudges = `SELECT id FROM nudges WHERE ${inWorkspace} AND member_id = @memberId`;
  return {
    interactions:
      run(`UPDATE interactions SET nudge_id = NULL WHERE ${inWorkspace} AND nudge_id IN (${theirNudges})`) +
      run(
        `UPDATE interactions SET member_id = ${heir('interactions.partner_id')} WHERE ${inWorkspace} AND member_id = @memberId`,
      ),
    plannedEvents:
      run(
        `UPDATE planned_events SET planned_by = ${heir('planned_events.partner_id')} WHERE ${inWorkspace} AND planned_by = @memberId`,
      ) +
      run(
        `UPDATE planned_events SET closed_by = ${heir('planned_events.partner_id')} WHERE ${inWorkspace} AND closed_by = @memberId`,
      ),
    // Promises are the partner's record: they pass to the heir, who is reminded of them from now on.
    promises:
      run(
        `UPDATE promises SET owner_id = ${heir('promises.partner_id')} WHERE ${inWorkspace} AND owner_id = @memberId`,
      ) +
      run(
        `UPDATE promises SET resolved_by = ${heir('promises.partner_id')} WHERE ${inWorkspace} AND resolved_by = @memberId`,
      ),
    channelLinks: run(
      `UPDATE channel_links SET linked_by = ${heir('channel_links.partner_id')} WHERE ${inWorkspace} AND linked_by = @memberId`,
    ),
    partners: run(
      `UPDATE partners SET created_by = ${heir('partners.id')} WHERE ${inWorkspace} AND created_by = @memberId`,
    ),
    nudges:
      run(`DELETE FROM nudges WHERE ${inWorkspace} AND member_id = @memberId`) +
      run(
        `UPDATE nudges SET answered_by = ${heir('nudges.partner_id')} WHERE ${inWorkspace} AND answered_by = @memberId`,
      ),
    digests: run(`DELETE FROM digests WHERE ${inWorkspace} AND member_id = @memberId`),
    // Other members' entries may quote the member's interactions in what they changed: that undo is let go.
    journal:
      run(`DELETE FROM journal WHERE ${inWorkspace} AND member_id = @memberId`) +
      run(
        `UPDATE journal SET change = NULL WHERE ${inWorkspace} AND instr(change, json_quote(@memberId)) > 0`,
      ),
    owners:
      run(`DELETE FROM partner_owners WHERE ${inWorkspace} AND member_id = @memberId`) +
      // Who made someone else an owner, and the handover note they wrote, are theirs to forget too.
      run(
        `UPDATE partner_owners SET added_by = @anonymousId, note = NULL WHERE ${inWorkspace} AND added_by = @memberId`,
      ) +
      // A partner they led is led by its longest-standing other owner, as when a lead is removed.
      run(
        `UPDATE partner_owners SET lead = 1 WHERE ${inWorkspace}
           AND position = (SELECT MIN(o.position) FROM partner_owners o WHERE o.partner_id = partner_owners.partner_id)
           AND NOT EXISTS (SELECT 1 FROM partner_owners l WHERE l.partner_id = partner_owners.partner_id AND l.lead = 1)`,
      ),
    audit:
      run(`UPDATE audit_log SET actor_id = @anonymousId WHERE ${inWorkspace} AND actor_id = @memberId`) +
      run(`UPDATE audit_log SET subject = @anonymousId WHERE ${inWorkspace} AND subject = @memberId`),
    playbookOverrides: run(
      `UPDATE playbook_overrides SET updated_by = @anonymousId WHERE ${inWorkspace} AND updated_by = @memberId`,
    ),
    members: run(`DELETE FROM members WHERE ${inWorkspace} AND id = @memberId`),
  };
}
