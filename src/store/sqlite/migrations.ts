/**
 * Numbered schema migrations: migration N brings the schema to `PRAGMA user_version` N. The runner
 * (`migrate.ts`) applies the missing ones together, in one write transaction. Never edit a migration that
 * has shipped: add the next one.
 *
 * Instants are stored as ISO-8601 UTC strings with milliseconds (`2026-11-27T09:00:00.000Z`), which sort
 * correctly as text; calendar days as `YYYY-MM-DD`.
 */
import { INTERACTION_SUMMARY_MIGRATION } from './interaction-summary';

export const MIGRATIONS: readonly string[] = [
  // 1: the walking skeleton
  `
  CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    platform    TEXT NOT NULL CHECK (platform IN ('shell', 'slack', 'teams')),
    external_id TEXT NOT NULL,
    name        TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (platform, external_id)
  );

  CREATE TABLE members (
    workspace_id         TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id                   TEXT NOT NULL,
    display_name         TEXT,
    time_zone            TEXT NOT NULL,
    time_zone_checked_at TEXT,
    working_days         TEXT NOT NULL DEFAULT '1,2,3,4,5',
    work_start           INTEGER NOT NULL DEFAULT 540,
    work_end             INTEGER NOT NULL DEFAULT 1020,
    address              TEXT,
    address_stale        INTEGER NOT NULL DEFAULT 0,
    paused_until         TEXT,
    digest               INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id)
  );

  CREATE TABLE partners (
    id               INTEGER PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL,
    stage            TEXT NOT NULL CHECK (stage IN ('exploring', 'negotiating', 'signed', 'ended')),
    country          TEXT,
    first_met_on     TEXT,
    signed_on        TEXT,
    stage_changed_at TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    next_due_at      TEXT,
    UNIQUE (workspace_id, name_key)
  );
  -- The scheduler's index: a tick reads only partners whose next due instant has come.
  CREATE INDEX partners_next_due ON partners (next_due_at) WHERE next_due_at IS NOT NULL;

  CREATE TABLE partner_owners (
    partner_id   INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    position     INTEGER NOT NULL,
    PRIMARY KEY (partner_id, member_id)
  );
  CREATE INDEX partner_owners_member ON partner_owners (workspace_id, member_id);

  CREATE TABLE interactions (
    id           INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    partner_id   INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    member_id    TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('meeting', 'call', 'visit', 'hosted', 'workshop', 'observation',
                                               'alignment', 'checkin', 'milestone', 'note')),
    occurred_on  TEXT NOT NULL,
    note         TEXT,
    rating       INTEGER CHECK (rating BETWEEN 1 AND 5),
    nudge_id     INTEGER,
    created_at   TEXT NOT NULL
  );
  CREATE INDEX interactions_partner ON interactions (partner_id, kind, occurred_on);
  CREATE INDEX interactions_partner_recent ON interactions (partner_id, occurred_on DESC, id DESC);

  CREATE TABLE nudges (
    id            INTEGER PRIMARY KEY,
    workspace_id  TEXT NOT NULL,
    partner_id    INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    member_id     TEXT NOT NULL,
    rule_id       TEXT NOT NULL,
    occurrence    TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    deliver_after TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'answered', 'snoozed', 'dismissed', 'expired', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_until   TEXT,
    last_error    TEXT,
    message_ref   TEXT,
    sent_at       TEXT,
    answered_at   TEXT,
    answer        TEXT,
    answered_by   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (partner_id, rule_id, occurrence, member_id)
  );
  -- Delivery reads open nudges in the order they may go out.
  CREATE INDEX nudges_deliverable ON nudges (deliver_after) WHERE status IN ('pending', 'snoozed');
  CREATE INDEX nudges_member ON nudges (workspace_id, member_id, status);
  `,
  // 2: the weekly digest ledger: one row per member and week, so a week's digest is never sent twice
  `
  CREATE TABLE digests (
    workspace_id TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    week         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'skipped')),
    lease_until  TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    message_ref  TEXT,
    last_error   TEXT,
    sent_at      TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, member_id, week),
    FOREIGN KEY (workspace_id, member_id) REFERENCES members (workspace_id, id) ON DELETE CASCADE
  );
  `,
  // 3: a time zone the member chose (prefs tz) is not replaced by what the platform reports
  `
  ALTER TABLE members ADD COLUMN time_zone_chosen INTEGER NOT NULL DEFAULT 0;
  `,
  // 4: each claim writes a token; a sender may change a nudge only while its token is still there
  `
  ALTER TABLE nudges ADD COLUMN lease_token TEXT;
  `,
  // 5: the same for the weekly digest ledger
  `
  ALTER TABLE digests ADD COLUMN lease_token TEXT;
  `,
  // 6: the platform of a member's address, as a column kept with the address, so that choosing whom to
  // nudge never parses JSON in SQL (one malformed address made every claim throw). Only valid JSON is read.
  `
  ALTER TABLE members ADD COLUMN address_channel TEXT;
  UPDATE members SET address_channel = json_extract(address, '$.channel')
  WHERE address IS NOT NULL AND json_valid(address);
  `,
  // 7: when an address was found stale, so that one nudge probes it again a day later. Members already
  // stale count from their last sighting.
  `
  ALTER TABLE members ADD COLUMN address_stale_at TEXT;
  UPDATE members SET address_stale_at = updated_at WHERE address_stale = 1;
  `,
  // 8: proactive sending to a workspace held after the platform refused our credentials
  `
  ALTER TABLE workspaces ADD COLUMN sending_held_until TEXT;
  ALTER TABLE workspaces ADD COLUMN sending_held_reason TEXT;
  `,
  // 9: a delivered nudge closed since (logged, superseded, expired) has a message that no longer tells the
  // truth: the scheduler updates it where the platform allows. Sends per member are read for the daily cap
  // and the per-partner interval.
  `
  ALTER TABLE nudges ADD COLUMN message_update INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX nudges_message_update ON nudges (id) WHERE message_update = 1;
  CREATE INDEX nudges_member_sent ON nudges (workspace_id, member_id, sent_at) WHERE sent_at IS NOT NULL;
  CREATE INDEX nudges_open_rule ON nudges (rule_id, due_at) WHERE status IN ('pending', 'sent', 'snoozed');
  CREATE INDEX nudges_open_partner ON nudges (partner_id, due_at) WHERE status IN ('pending', 'sent', 'snoozed');
  `,
  // 10: the write journal: one row per undoable write (a log, an edit, a deletion, a signature, a stage
  // change, a rename) with what taking it back needs. \`change\` is JSON, emptied after the undo window.
  `
  CREATE TABLE journal (
    id             INTEGER PRIMARY KEY,
    workspace_id   TEXT NOT NULL,
    member_id      TEXT NOT NULL,
    partner_id     INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    action         TEXT NOT NULL,
    interaction_id INTEGER,
    change         TEXT,
    expired_nudges TEXT NOT NULL DEFAULT '[]',
    created_at     TEXT NOT NULL,
    undone_at      TEXT
  );
  CREATE INDEX journal_member ON journal (workspace_id, member_id, created_at);
  -- Rows still holding what they changed: the ones the undo window lets go of.
  CREATE INDEX journal_remembered ON journal (workspace_id, created_at) WHERE change IS NOT NULL;
  -- Also keeps interaction ids from being used twice while the journal names them (see interactions.add).
  CREATE INDEX journal_interaction ON journal (interaction_id);
  CREATE INDEX journal_partner ON journal (partner_id);
  `,
  // 11: answers are facts. Planned events (a visit, workshop or meeting with a date, followed by a brief the
  // working day before and "did it happen?" after), indexed by when the scheduler's step looks at them next;
  // and what blocks the collaboration, recorded with the check-in that said so.
  `
  CREATE TABLE planned_events (
    id           INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    partner_id   INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('meeting', 'call', 'visit', 'hosted', 'workshop', 'alignment')),
    planned_on   TEXT NOT NULL,
    note         TEXT,
    planned_by   TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'planned'
                   CHECK (status IN ('planned', 'happened', 'missed', 'replanned')),
    replaces_id  INTEGER REFERENCES planned_events (id) ON DELETE SET NULL,
    next_step_at TEXT,
    created_at   TEXT NOT NULL,
    closed_at    TEXT,
    closed_by    TEXT
  );
  CREATE INDEX planned_events_partner ON planned_events (partner_id, status, planned_on);
  CREATE INDEX planned_events_next_step ON planned_events (next_step_at) WHERE next_step_at IS NOT NULL;

  ALTER TABLE interactions ADD COLUMN blocker TEXT;
  `,
  // 12: many organisations on one service. Slack OAuth installations (tokens sealed with
  // TOKEN_ENCRYPTION_KEY, the rest as plain JSON), keyed by organisation for an org-wide install and by team
  // otherwise; a workspace that uninstalled the app (its nudges and digests stop; its data is deleted after
  // the grace period); a member who removed the app (Teams), whose nudges wait until they add it again.
  `
  CREATE TABLE installations (
    id                    TEXT PRIMARY KEY,
    platform              TEXT NOT NULL,
    workspace_external_id TEXT NOT NULL,
    enterprise_id         TEXT,
    team_id               TEXT,
    is_enterprise_install INTEGER NOT NULL DEFAULT 0,
    record                TEXT NOT NULL,
    sealed_secrets        TEXT NOT NULL,
    installed_at          TEXT NOT NULL,
    updated_at            TEXT NOT NULL
  );
  CREATE INDEX installations_workspace ON installations (platform, workspace_external_id);

  ALTER TABLE workspaces ADD COLUMN uninstalled_at TEXT;
  ALTER TABLE members ADD COLUMN app_removed_at TEXT;
  `,
  // 13: both sides' calendars. A partner's time zone (beside its country), and the holiday calendar a member
  // chose (null: the country of their time zone); no nudge lands on a member's public holiday.
  `
  ALTER TABLE partners ADD COLUMN time_zone TEXT;
  ALTER TABLE members ADD COLUMN holiday_country TEXT;
  `,
  // 14: portfolio import. Members' e-mail addresses as their platform reports them, to match the owners a
  // spreadsheet names.
  `
  ALTER TABLE members ADD COLUMN email TEXT;
  CREATE INDEX members_email ON members (workspace_id, email) WHERE email IS NOT NULL;
  `,
  // 15: each workspace's playbook and privacy. Admins (what the platform says, and who another admin made one);
  // a workspace's changes to the default playbook as overrides, one row per rule and field ('' for the whole
  // playbook: the budget); the audit log of those changes; and the indexes retention prunes by.
  `
  ALTER TABLE members ADD COLUMN platform_admin INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE members ADD COLUMN granted_admin INTEGER NOT NULL DEFAULT 0;

  CREATE TABLE playbook_overrides (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    rule_id      TEXT NOT NULL,
    field        TEXT NOT NULL,
    value        TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, rule_id, field)
  );

  CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    actor_id     TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject      TEXT,
    before_value TEXT,
    after_value  TEXT,
    created_at   TEXT NOT NULL
  );
  CREATE INDEX audit_log_workspace ON audit_log (workspace_id, id);

  CREATE INDEX nudges_finished ON nudges (updated_at)
    WHERE status IN ('answered', 'dismissed', 'expired', 'failed');
  CREATE INDEX digests_finished ON digests (updated_at) WHERE status IN ('sent', 'skipped');
  `,
  // 16: channels that belong to a partner (`link NAME` in a Slack or Teams channel), one partner per
  // channel, with the address to post there and whether the partner's nudges and weekly status go there
  // (`prefs NAME post-to-channel`); and the ledger of weekly statuses posted to channels, one row per
  // channel and week, so that a week's status is never posted twice.
  `
  CREATE TABLE channel_links (
    workspace_id    TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    partner_id      INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    address         TEXT NOT NULL,
    post_to_channel INTEGER NOT NULL DEFAULT 0,
    external        INTEGER NOT NULL DEFAULT 0,
    linked_by       TEXT NOT NULL,
    linked_at       TEXT NOT NULL,
    PRIMARY KEY (workspace_id, channel_id)
  );
  CREATE INDEX channel_links_partner ON channel_links (partner_id);
  CREATE INDEX channel_links_posting ON channel_links (workspace_id) WHERE post_to_channel = 1;

  CREATE TABLE channel_status_posts (
    workspace_id TEXT NOT NULL,
    channel_id   TEXT NOT NULL,
    week         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('sending', 'sent')),
    lease_until  TEXT,
    message_ref  TEXT,
    sent_at      TEXT,
    PRIMARY KEY (workspace_id, channel_id, week)
  );
  `,
  // 17: promises, both ways (ours to the partner, theirs to us), reminded before and on their day by the
  // scheduler's promise step; and the post-signing drop-off alert's armed/fired state per signed partner.
  `
  -- AUTOINCREMENT: a promise deleted by undo never lends its id (and its reminders' keys) to a new one.
  CREATE TABLE promises (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL,
    partner_id   INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    direction    TEXT NOT NULL CHECK (direction IN ('ours', 'theirs')),
    text         TEXT NOT NULL,
    due_on       TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'kept', 'late', 'broken')),
    moved_count  INTEGER NOT NULL DEFAULT 0,
    next_step_at TEXT,
    created_at   TEXT NOT NULL,
    dated_at     TEXT NOT NULL,
    resolved_at  TEXT,
    resolved_by  TEXT
  );
  CREATE INDEX promises_partner ON promises (workspace_id, partner_id, status, due_on);
  CREATE INDEX promises_next_step ON promises (next_step_at) WHERE next_step_at IS NOT NULL;

  CREATE TABLE drop_off_state (
    partner_id    INTEGER PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
    workspace_id  TEXT NOT NULL,
    armed         INTEGER NOT NULL DEFAULT 1,
    fired_period  INTEGER,
    fired_at      TEXT,
    next_check_at TEXT
  );
  `,
  // 18: co-owners with roles. Each owner has a role (alliance-manager, sales, … or a free word) and one owner
  // of each partner is the lead; who added them, when, and the handover note they were given travel with the
  // row (the notice that tells them is rendered from it). Creators so far are their partner's lead.
  `
  ALTER TABLE partner_owners ADD COLUMN role TEXT;
  ALTER TABLE partner_owners ADD COLUMN lead INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE partner_owners ADD COLUMN added_by TEXT;
  ALTER TABLE partner_owners ADD COLUMN added_at TEXT;
  ALTER TABLE partner_owners ADD COLUMN note TEXT;
  UPDATE partner_owners SET role = 'alliance-manager' WHERE role IS NULL;
  UPDATE partner_owners SET lead = 1
  WHERE position = (SELECT MIN(o.position) FROM partner_owners o WHERE o.partner_id = partner_owners.partner_id);
  `,
  // 19: fast logging. A per-partner, per-kind summary of interactions that triggers keep in step with every
  // write, so that reading a partner's history no longer grows with it (see interaction-summary.ts).
  INTERACTION_SUMMARY_MIGRATION,
  // 20: the drop-off check finds the partners due for it through an index, at a cost that follows what is due
  // rather than how many partners are signed: every signed partner has a state row from the moment it is
  // signed (due at once), and a partner that leaves `signed` is taken out of the index until signed again.
  `
  INSERT INTO drop_off_state (partner_id, workspace_id, armed, next_check_at)
    SELECT id, workspace_id, 1, '1970-01-01T00:00:00.000Z' FROM partners
    WHERE stage = 'signed' AND signed_on IS NOT NULL
  ON CONFLICT (partner_id) DO NOTHING;
  UPDATE drop_off_state SET next_check_at = NULL
    WHERE partner_id IN (SELECT id FROM partners WHERE stage != 'signed' OR signed_on IS NULL);
  CREATE INDEX drop_off_state_next_check ON drop_off_state (next_check_at) WHERE next_check_at IS NOT NULL;

  CREATE TRIGGER partners_drop_off_signed_insert AFTER INSERT ON partners
    WHEN NEW.stage = 'signed' AND NEW.signed_on IS NOT NULL
  BEGIN
    INSERT INTO drop_off_state (partner_id, workspace_id, armed, next_check_at)
      VALUES (NEW.id, NEW.workspace_id, 1, '1970-01-01T00:00:00.000Z')
    ON CONFLICT (partner_id) DO UPDATE SET next_check_at = COALESCE(next_check_at, excluded.next_check_at);
  END;
  CREATE TRIGGER partners_drop_off_signed AFTER UPDATE OF stage, signed_on ON partners
    WHEN NEW.stage = 'signed' AND NEW.signed_on IS NOT NULL
  BEGIN
    INSERT INTO drop_off_state (partner_id, workspace_id, armed, next_check_at)
      VALUES (NEW.id, NEW.workspace_id, 1, '1970-01-01T00:00:00.000Z')
    ON CONFLICT (partner_id) DO UPDATE SET next_check_at = COALESCE(next_check_at, excluded.next_check_at);
  END;
  CREATE TRIGGER partners_drop_off_unsigned AFTER UPDATE OF stage, signed_on ON partners
    WHEN NEW.stage != 'signed' OR NEW.signed_on IS NULL
  BEGIN
    UPDATE drop_off_state SET next_check_at = NULL WHERE partner_id = NEW.id;
  END;
  `,
  // 21: Slack OAuth states spent, shared by every instance on the database, so that a state verified by one
  // instance is refused by all (it was remembered per process before). Only a SHA-256 digest of each state is
  // kept, until the state would stop verifying anyway; the index lets each spend forget the expired ones.
  `
  CREATE TABLE oauth_states_spent (
    state_hash  TEXT PRIMARY KEY,
    valid_until TEXT NOT NULL
  );
  CREATE INDEX oauth_states_spent_valid_until ON oauth_states_spent (valid_until);
  `,
];
