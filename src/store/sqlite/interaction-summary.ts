/**
 * The per-partner, per-kind summary of interactions (first day, last day, count, the latest one's rating),
 * so that reading a partner's history costs one indexed read however long that history is.
 *
 * Triggers on `interactions` keep it: every write to that table (the repository's add, update, remove and
 * restore, an import, a partner's removal by cascade, and any write added later) updates the summary in
 * the same statement, hence the same transaction, with no path able to forget it. Adding is arithmetic;
 * removing the first or the latest row of a kind re-reads that one (partner, kind) through the
 * `interactions (partner_id, kind, occurred_on[, id])` index: a seek, never a scan of the history.
 */
import type { KindHistory } from '../../core/model';
import { addSummaryRows } from '../mapping/interaction-summary';
import type { SqliteDb } from './connection';
import type { Row } from './rows';

/** Takes `OLD` (an interaction that left its partner-and-kind) out of the summary. */
const TAKE_OUT = `
    UPDATE interaction_summary SET count = count - 1 WHERE partner_id = OLD.partner_id AND kind = OLD.kind;
    DELETE FROM interaction_summary WHERE partner_id = OLD.partner_id AND kind = OLD.kind AND count <= 0;
    UPDATE interaction_summary
    SET first_on = (SELECT MIN(occurred_on) FROM interactions WHERE partner_id = OLD.partner_id AND kind = OLD.kind)
    WHERE partner_id = OLD.partner_id AND kind = OLD.kind AND first_on = OLD.occurred_on;
    UPDATE interaction_summary
    SET (last_on, last_id, last_rating) = (
      SELECT occurred_on, id, rating FROM interactions WHERE partner_id = OLD.partner_id AND kind = OLD.kind
      ORDER BY occurred_on DESC, id DESC LIMIT 1)
    WHERE partner_id = OLD.partner_id AND kind = OLD.kind AND last_id = OLD.id;`;

/** Puts `NEW` (an interaction that joined its partner-and-kind) into the summary. */
const PUT_IN = `
    INSERT INTO interaction_summary (workspace_id, partner_id, kind, first_on, last_on, count, last_id, last_rating)
    VALUES (NEW.workspace_id, NEW.partner_id, NEW.kind, NEW.occurred_on, NEW.occurred_on, 1, NEW.id, NEW.rating)
    ON CONFLICT (partner_id, kind) DO UPDATE SET
      count = count + 1,
      first_on = MIN(first_on, excluded.first_on),
      last_on = MAX(last_on, excluded.last_on),
      last_id = CASE WHEN (excluded.last_on, excluded.last_id) > (last_on, last_id) THEN excluded.last_id ELSE last_id END,
      last_rating = CASE WHEN (excluded.last_on, excluded.last_id) > (last_on, last_id)
                         THEN excluded.last_rating ELSE last_rating END;`;

/** Migration 19: the summary table, its triggers, and its rows for the interactions already stored. */
export const INTERACTION_SUMMARY_MIGRATION = `
  CREATE TABLE interaction_summary (
    workspace_id TEXT NOT NULL,
    partner_id   INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    first_on     TEXT NOT NULL,
    last_on      TEXT NOT NULL,
    count        INTEGER NOT NULL,
    -- The latest interaction of the kind (by day, then id) and its rating.
    last_id      INTEGER NOT NULL,
    last_rating  INTEGER,
    PRIMARY KEY (partner_id, kind)
  );

  CREATE TRIGGER interaction_summary_added AFTER INSERT ON interactions BEGIN ${PUT_IN}
  END;
  CREATE TRIGGER interaction_summary_removed AFTER DELETE ON interactions BEGIN ${TAKE_OUT}
  END;
  CREATE TRIGGER interaction_summary_changed AFTER UPDATE OF partner_id, kind, occurred_on, rating ON interactions
  BEGIN ${TAKE_OUT} ${PUT_IN}
  END;

  INSERT INTO interaction_summary (workspace_id, partner_id, kind, first_on, last_on, count, last_id, last_rating)
  SELECT i.workspace_id, i.partner_id, i.kind, MIN(i.occurred_on), MAX(i.occurred_on), COUNT(*),
    (SELECT r.id FROM interactions r WHERE r.partner_id = i.partner_id AND r.kind = i.kind
     ORDER BY r.occurred_on DESC, r.id DESC LIMIT 1),
    (SELECT r.rating FROM interactions r WHERE r.partner_id = i.partner_id AND r.kind = i.kind
     ORDER BY r.occurred_on DESC, r.id DESC LIMIT 1)
  FROM interactions i GROUP BY i.partner_id, i.kind;
`;

/** One partner's per-kind history: one read of at most one row per kind. */
export function readSummary(db: SqliteDb, workspaceId: string, partnerId: number): KindHistory {
  const rows = db
    .prepare('SELECT * FROM interaction_summary WHERE partner_id = ? AND workspace_id = ? ORDER BY kind')
    .all(partnerId, workspaceId) as Row[];
  return addSummaryRows(new Map(), rows).get(partnerId) ?? {};
}

/** Per-kind histories of several partners in one read, each counting only its own workspace's rows. */
export function readSummaries(db: SqliteDb, partnerIds: readonly number[]): Map<number, KindHistory> {
  const histories = new Map<number, KindHistory>(partnerIds.map((id) => [id, {}]));
  if (partnerIds.length === 0) return histories;
  const rows = db
    .prepare(
      `SELECT s.* FROM interaction_summary s
       JOIN partners p ON p.id = s.partner_id AND p.workspace_id = s.workspace_id
       WHERE s.partner_id IN (SELECT value FROM json_each(?)) ORDER BY s.partner_id, s.kind`,
    )
    .all(JSON.stringify(partnerIds)) as Row[];
  return addSummaryRows(histories, rows);
}
