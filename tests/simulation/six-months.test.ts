/**
 * Six months of an alliance manager with twenty partners (fixed seed): nudges stay within the budget,
 * nothing stays open past its usefulness, and every post-signing milestone arrives on its working day.
 */
import { DEFAULT_PLAYBOOK, DEFAULT_EXPIRY_DAYS, findRule } from '../../src/core/playbook/playbook';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { coreHarness } from '../support/core-harness';
import { RecordingChannel } from '../support/recording-channel';
import { PORTFOLIO, SIM_DAYS, SIM_START, simulateSixMonths } from './six-months';

const DAY = 86_400_000;
const iso = (at: Date): string => at.toISOString().slice(0, 10);

/** The first Monday–Friday on or after `day` (the simulated member works Monday to Friday, in UTC). */
function workingDayFrom(day: string): string {
  const at = new Date(`${day}T00:00:00Z`);
  while (at.getUTCDay() === 0 || at.getUTCDay() === 6) at.setTime(at.getTime() + DAY);
  return iso(at);
}

interface Sent {
  partner: string;
  at: Date;
  milestone: boolean;
}

it('keeps six months of nudges for twenty partners within the budget, and on time', async () => {
  const h = await coreHarness({ now: SIM_START });
  try {
    const channel = new RecordingChannel('shell');
    let virtual = 0;
    const scheduler = new NudgeScheduler(h.store, h.rapport, new Map([['shell', channel]]), h.logger, {
      monotonic: () => virtual,
      sleep: async (ms) => {
        virtual += Math.max(0, ms);
      },
      random: () => 0.5,
    });
    const sent: Sent[] = [];
    const overdue: string[] = [];
    const outcome = await simulateSixMonths({
      rapport: h.rapport,
      actor: h.actor,
      async pass(now) {
        const before = channel.deliveries.length;
        await scheduler.runDue(now);
        const messages = channel.deliveries.slice(before).map((d) => d.message);
        for (const message of messages) {
          const partner = PORTFOLIO.find((p) => message.title?.startsWith(`${p.name} — `))!.name;
          const about = `${message.title} ${(message.sections ?? []).map((s) => s.title).join(' ')}`;
          sent.push({ partner, at: now, milestone: /Post-signing check-in/.test(about) });
        }
        return messages;
      },
      afterPass(now) {
        // Nothing open is older than its rule's usefulness, by the measure the product promises.
        const rows = h.db
          .prepare(
            `SELECT rule_id, status, due_at, created_at, sent_at, deliver_after FROM nudges
             WHERE status IN ('pending', 'sent', 'snoozed')`,
          )
          .all() as Record<string, string>[];
        for (const row of rows) {
          const days = findRule(DEFAULT_PLAYBOOK, row.rule_id!)?.expiresAfterDays ?? DEFAULT_EXPIRY_DAYS;
          const since =
            row.status === 'sent'
              ? row.sent_at!
              : row.status === 'snoozed'
                ? row.deliver_after!
                : [row.due_at!, row.created_at!].sort().pop()!;
          const age = (now.getTime() - Date.parse(since)) / DAY;
          if (age > days) overdue.push(`${row.rule_id} ${row.status} ${age.toFixed(1)} days > ${days}`);
        }
      },
    });

    // At most one message about a partner a week, unless it carries a post-signing milestone.
    const tooSoon = sent.filter(
      (message, i) =>
        !message.milestone &&
        sent
          .slice(0, i)
          .some(
            (earlier) =>
              earlier.partner === message.partner && message.at.getTime() - earlier.at.getTime() < 7 * DAY,
          ),
    );
    expect(tooSoon).toEqual([]);
    // At most three messages a day, milestones aside.
    const perDay = new Map<string, number>();
    for (const message of sent.filter((m) => !m.milestone))
      perDay.set(iso(message.at), (perDay.get(iso(message.at)) ?? 0) + 1);
    expect(Math.max(...perDay.values())).toBeLessThanOrEqual(3);
    expect(overdue).toEqual([]);

    // Every post-signing milestone that fell due during the simulation went out on its working day.
    const end = new Date(SIM_START.getTime() + SIM_DAYS * DAY);
    const milestones = h.db
      .prepare(
        `SELECT p.name, n.occurrence, n.due_at, n.sent_at FROM nudges n JOIN partners p ON p.id = n.partner_id
         WHERE n.rule_id = 'post-signing' AND n.due_at >= ? AND n.due_at < ? ORDER BY n.due_at`,
      )
      .all(SIM_START.toISOString(), new Date(end.getTime() - 7 * DAY).toISOString()) as Record<
      string,
      string
    >[];
    expect(milestones.length).toBeGreaterThanOrEqual(12);
    const late = milestones.filter(
      (m) => !m.sent_at || iso(new Date(m.sent_at)) !== workingDayFrom(m.due_at!.slice(0, 10)),
    );
    expect(late).toEqual([]);

    const openAtEnd = h.db
      .prepare("SELECT COUNT(*) FROM nudges WHERE status IN ('pending', 'sent', 'snoozed')")
      .pluck()
      .get() as number;
    expect(openAtEnd).toBeLessThan(PORTFOLIO.length * 2);
    process.stdout.write(
      `six months, twenty partners: ${outcome.messages} messages carrying ${outcome.nudges} nudges, ` +
        `${openAtEnd} open at the end; per partner per month ${JSON.stringify(outcome.perPartnerMonth)}\n`,
    );
  } finally {
    await h.close();
  }
}, 120_000);
