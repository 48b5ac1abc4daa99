/**
 * A member's own data (`export mine`), forgetting a member (`forget me`), and the retention of finished
 * nudges and digests. Forgetting knows every table that names a member: a new table that stores member
 * ids must be added here and in the SQLite store (tests/store/privacy-repository.test.ts looks for the
 * member in every table of both).
 */
import type { MemberData, PrivacyRepository } from '../../core/ports';
import type { Row } from '../row-values';
import { parseJsonOrNull } from '../row-values';
import type { PgSql } from './pg-sql';

/** Finished nudges and digests: nothing will change them again (the lists of the partial indexes). */
const FINISHED_NUDGES = `('answered', 'dismissed', 'expired', 'failed')`;
const FINISHED_DIGESTS = `('sent', 'skipped')`;

/**
 * The parameters of `forgetMember`'s statements, in this order: `$1` the workspace, `$2` the member, `$3`
 * the anonymous id. A statement is given as many as it names, since a prepared statement refuses extras.
 */
type ForgetParameters = readonly [workspaceId: string, memberId: string, anonymousId: string];

/**
 * Who inherits what the member logged about the partner in `column` (qualified with its table, or the
 * subquery would read its own `partner_id`): the partner's next owner, else the anonymous id.
 */
const heir = (column: string): string => `COALESCE(
  (SELECT po.member_id FROM partner_owners po
   WHERE po.partner_id = ${column} AND po.member_id <> $2 ORDER BY po.position LIMIT 1),
  $3)`;

export class PgPrivacyRepository implements PrivacyRepository {
  constructor(private readonly sql: PgSql) {}

  exportMember(workspaceId: string, memberId: string): Promise<MemberData> {
    // One transaction, so that the parts are read from one connection and nothing is forgotten between them.
    return this.sql.atomic(async (sql) => {
      const all = (text: string): Promise<Row[]> => sql.all(text, [workspaceId, memberId]);
      const member = (await all('SELECT * FROM members WHERE workspace_id = $1 AND id = $2'))[0];
      if (member) member.address = parseJsonOrNull(member.address);
      return {
        member: member ?? null,
        partnersOwned: await all(
          `SELECT p.id, p.name, p.stage FROM partners p JOIN partner_owners o ON o.partner_id = p.id
           WHERE o.workspace_id = $1 AND o.member_id = $2 ORDER BY p.name`,
        ),
        interactions: await all(
          `SELECT i.*, p.name AS partner_name FROM interactions i JOIN partners p ON p.id = i.partner_id
           WHERE i.workspace_id = $1 AND i.member_id = $2 ORDER BY i.id`,
        ),
        plannedEvents: await all(
          `SELECT * FROM planned_events WHERE workspace_id = $1
             AND (planned_by = $2 OR closed_by = $2) ORDER BY id`,
        ),
        nudges: await all(
          `SELECT id, partner_id, rule_id, occurrence, due_at, status, sent_at, answered_at, answer, answered_by,
             created_at FROM nudges WHERE workspace_id = $1 AND member_id = $2 ORDER BY id`,
        ),
        digests: await all(
          `SELECT week, status, sent_at, created_at FROM digests
           WHERE workspace_id = $1 AND member_id = $2 ORDER BY week`,
        ),
        journal: (
          await all(
            `SELECT id, partner_id, action, interaction_id, change, created_at, undone_at FROM journal
             WHERE workspace_id = $1 AND member_id = $2 ORDER BY id`,
          )
        ).map((row) => ({ ...row, change: parseJsonOrNull(row.change) })),
        audit: await all(
          `SELECT * FROM audit_log WHERE workspace_id = $1
             AND (actor_id = $2 OR subject = $2) ORDER BY id`,
        ),
        playbookChanges: await all(
          `SELECT rule_id, field, value, updated_at FROM playbook_overrides
           WHERE workspace_id = $1 AND updated_by = $2 ORDER BY rule_id, field`,
        ),
      };
    });
  }

  forgetMember(workspaceId: string, memberId: string, anonymousId: string): Promise<Record<string, number>> {
    return this.sql.atomic((sql) => forget(sql, [workspaceId, memberId, anonymousId]));
  }

  pruneFinished(before: Date, limit: number): Promise<{ nudges: number; digests: number }> {
    // PostgreSQL has no DELETE … LIMIT: each batch is chosen by key in a subquery. Rows another pruner has
    // already locked are skipped, so two instances pruning at once delete different batches.
    return this.sql.atomic(async (sql) => ({
      nudges: await sql.run(
        `DELETE FROM nudges WHERE id IN (
           SELECT id FROM nudges WHERE status IN ${FINISHED_NUDGES} AND updated_at < $1
           ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [before, limit],
      ),
      digests: await sql.run(
        `DELETE FROM digests WHERE (workspace_id, member_id, week) IN (
           SELECT workspace_id, member_id, week FROM digests WHERE status IN ${FINISHED_DIGESTS} AND updated_at < $1
           ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [before, limit],
      ),
    }));
  }
}

/** The statements of `forgetMember`, in order: inherit first (ownership decides the heir), then delete. */
async function forget(sql: PgSql, parameters: ForgetParameters): Promise<Record<string, number>> {
  const run = (text: string): Promise<number> => {
    const named = Math.max(...[...text.matchAll(/\$(\d)/g)].map((match) => Number(match[1])));
    return sql.run(text, parameters.slice(0, named));
  };
  const inWorkspace = 'workspace_id = $1';
  const theirNudges = `SELECT id FROM nudges WHERE ${inWorkspace} AND member_id = $2`;
  const interactions =
    (await run(
      `UPDATE interactions SET nudge_id = NULL WHERE ${inWorkspace} AND nudge_id IN (${theirNudges})`,
    )) +
    (await run(
      `UPDATE interactions SET member_id = ${heir('interactions.partner_id')} WHERE ${inWorkspace} AND member_id = $2`,
    ));
  const plannedEvents =
    (await run(
      `UPDATE planned_events SET planned_by = ${heir('planned_events.partner_id')} WHERE ${inWorkspace} AND planned_by = $2`,
    )) +
    (await run(
      `UPDATE planned_events SET closed_by = ${heir('planned_events.partner_id')} WHERE ${inWorkspace} AND closed_by = $2`,
    ));
  // Promises are the partner's record: they pass to the heir, who is reminded of them from now on.
  const promises =
    (await run(
      `UPDATE promises SET owner_id = ${heir('promises.partner_id')} WHERE ${inWorkspace} AND owner_id = $2`,
    )) +
    (await run(
      `UPDATE promises SET resolved_by = ${heir('promises.partner_id')} WHERE ${inWorkspace} AND resolved_by = $2`,
    ));
  const channelLinks = await run(
    `UPDATE channel_links SET linked_by = ${heir('channel_links.partner_id')} WHERE ${inWorkspace} AND linked_by = $2`,
  );
  const partners = await run(
    `UPDATE partners SET created_by = ${heir('partners.id')} WHERE ${inWorkspace} AND created_by = $2`,
  );
  const nudges =
    (await run(`DELETE FROM nudges WHERE ${inWorkspace} AND member_id = $2`)) +
    (await run(
      `UPDATE nudges SET answered_by = ${heir('nudges.partner_id')} WHERE ${inWorkspace} AND answered_by = $2`,
    ));
  const digests = await run(`DELETE FROM digests WHERE ${inWorkspace} AND member_id = $2`);
  // Other members' entries may quote the member's interactions in what they changed: that undo is let go.
  // The member's id as a JSON string, found in the document's text (as SQLite's `json_quote` is).
  const journal =
    (await run(`DELETE FROM journal WHERE ${inWorkspace} AND member_id = $2`)) +
    (await run(
      `UPDATE journal SET change = NULL WHERE ${inWorkspace} AND strpos(change::text, to_jsonb($2::text)::text) > 0`,
    ));
  const owners =
    (await run(`DELETE FROM partner_owners WHERE ${inWorkspace} AND member_id = $2`)) +
    // Who made someone else an owner, and the handover note they wrote, are theirs to forget too.
    (await run(
      `UPDATE partner_owners SET added_by = $3, note = NULL WHERE ${inWorkspace} AND added_by = $2`,
    )) +
    // A partner they led is led by its longest-standing other owner, as when a lead is removed.
    (await run(
      `UPDATE partner_owners SET lead = true WHERE ${inWorkspace}
         AND position = (SELECT MIN(o.position) FROM partner_owners o WHERE o.partner_id = partner_owners.partner_id)
         AND NOT EXISTS (SELECT 1 FROM partner_owners l WHERE l.partner_id = partner_owners.partner_id AND l.lead)`,
    ));
  const audit =
    (await run(`UPDATE audit_log SET actor_id = $3 WHERE ${inWorkspace} AND actor_id = $2`)) +
    (await run(`UPDATE audit_log SET subject = $3 WHERE ${inWorkspace} AND subject = $2`));
  const playbookOverrides = await run(
    `UPDATE playbook_overrides SET updated_by = $3 WHERE ${inWorkspace} AND updated_by = $2`,
  );
  const members = await run(`DELETE FROM members WHERE ${inWorkspace} AND id = $2`);
  return {
    interactions,
    plannedEvents,
    promises,
    channelLinks,
    partners,
    nudges,
    digests,
    journal,
    owners,
    audit,
    playbookOverrides,
    members,
  };
}
