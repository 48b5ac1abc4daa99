/**
 * Six simulated months of one alliance manager with twenty partners in mixed stages, on a fixed seed:
 * the scheduler runs three times a day, the member logs what nudges ask for about half of the time and
 * sometimes logs contacts of their own. Uses only the product's entry points (commands, scheduler passes)
 * and reads the outcome from the database, so the same script measures any version of the product.
 */
import type { Rapport } from '../../src/core/rapport';

export interface SimulationOutcome {
  /** Messages delivered, and nudges inside them, per partner per 30 days, by stage at the start. */
  perPartnerMonth: Record<string, { messages: number; nudges: number }>;
  messages: number;
  nudges: number;
}

export const SIM_START = new Date('2026-01-05T00:00:00Z'); // a Monday
export const SIM_DAYS = 182;
const DAY = 86_400_000;

/** mulberry32: a small seeded generator, so every run makes the same choices. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface SimulationHooks {
  rapport: Rapport;
  actor: { workspaceId: string; memberId: string };
  /** One scheduler pass as of `now`; returns the messages it delivered (titles and texts). */
  pass(now: Date): Promise<{ title?: string; text: string; sections?: { title?: string }[] }[]>;
  /** Called after each pass (assertions on the state). */
  afterPass?(now: Date): Promise<void> | void;
}

const iso = (at: Date): string => at.toISOString().slice(0, 10);

/** The twenty partners: name, stage, and (for signed ones) days before the start they were signed. */
export const PORTFOLIO: { name: string; stage: string; signedDaysBefore?: number; signsOnDay?: number }[] = [
  ...['Nissan', 'Renault', 'Mitsubishi', 'Toyota', 'Honda', 'Mazda'].map((name) => ({
    name,
    stage: 'exploring',
  })),
  ...['Subaru', 'Suzuki', 'Daimler', 'Stellantis'].map((name, i) => ({
    name,
    stage: 'negotiating',
    // Two of them sign during the simulation.
    signsOnDay: i < 2 ? 40 + 30 * i : undefined,
  })),
  ...['Volvo', 'Geely', 'Hyundai', 'Kia', 'Tata', 'BYD', 'Ford', 'GM', 'Bosch', 'Denso'].map((name, i) => ({
    name,
    stage: 'signed',
    signedDaysBefore: [3, 10, 25, 45, 70, 95, 130, 200, 400, 700][i],
  })),
];

export async function simulateSixMonths(hooks: SimulationHooks, seed = 20261128): Promise<SimulationOutcome> {
  const random = seeded(seed);
  const say = (text: string, at: Date) => hooks.rapport.handleCommand(hooks.actor, text, at);
  const setup = new Date(SIM_START.getTime() + 9 * 3_600_000);
  for (const partner of PORTFOLIO) {
    await say(`add ${partner.name} ${partner.stage === 'signed' ? 'exploring' : partner.stage}`, setup);
    if (partner.signedDaysBefore !== undefined)
      await say(
        `signed ${partner.name} ${iso(new Date(SIM_START.getTime() - partner.signedDaysBefore * DAY))}`,
        setup,
      );
  }
  const stageOf = new Map(PORTFOLIO.map((p) => [p.name, p.stage]));
  const counts = new Map<string, { messages: number; nudges: number }>();
  const kindsByTitle: [RegExp, string][] = [
    [/site visit/i, 'visit'],
    [/cultural observation|first-meeting/i, 'observation'],
    [/joint workshop/i, 'workshop'],
    [/internal alignment/i, 'alignment'],
    [/keep in touch/i, 'call'],
  ];
  for (let day = 0; day < SIM_DAYS; day++) {
    const date = new Date(SIM_START.getTime() + day * DAY);
    for (const partner of PORTFOLIO)
      if (partner.signsOnDay === day)
        await say(`signed ${partner.name}`, new Date(date.getTime() + 8 * 3_600_000));
    for (const hour of [9, 12, 15]) {
      const now = new Date(date.getTime() + hour * 3_600_000);
      const delivered = await hooks.pass(now);
      for (const message of delivered) {
        const name = PORTFOLIO.find((p) => message.title?.startsWith(`${p.name} — `))?.name;
        if (!name) continue;
        const count = counts.get(name) ?? { messages: 0, nudges: 0 };
        count.messages++;
        count.nudges += message.sections?.filter((s) => s.title).length || 1;
        counts.set(name, count);
        // About half of the time the member does what the message asks, the same day.
        const asked = `${message.title ?? ''} ${(message.sections ?? []).map((s) => s.title).join(' ')}`;
        for (const [pattern, kind] of kindsByTitle)
          if (pattern.test(asked) && random() < 0.5) await say(`log ${name} ${kind} today`, now);
      }
      await hooks.afterPass?.(now);
    }
    // Now and then a contact of the member's own (about one a month per partner, on working days).
    const weekday = date.getUTCDay();
    if (weekday >= 1 && weekday <= 5)
      for (const partner of PORTFOLIO)
        if (random() < 1 / 22)
          await say(
            `log ${partner.name} ${random() < 0.5 ? 'call' : 'meeting'} today`,
            new Date(date.getTime() + 16 * 3_600_000),
          );
  }
  const months = SIM_DAYS / 30;
  const perPartnerMonth: SimulationOutcome['perPartnerMonth'] = {};
  for (const stage of ['exploring', 'negotiating', 'signed']) {
    const names = PORTFOLIO.filter((p) => stageOf.get(p.name) === stage).map((p) => p.name);
    const sum = names.reduce(
      (acc, name) => ({
        messages: acc.messages + (counts.get(name)?.messages ?? 0),
        nudges: acc.nudges + (counts.get(name)?.nudges ?? 0),
      }),
      { messages: 0, nudges: 0 },
    );
    perPartnerMonth[stage] = {
      messages: Math.round((sum.messages / names.length / months) * 10) / 10,
      nudges: Math.round((sum.nudges / names.length / months) * 10) / 10,
    };
  }
  const all = [...counts.values()];
  return {
    perPartnerMonth,
    messages: all.reduce((sum, c) => sum + c.messages, 0),
    nudges: all.reduce((sum, c) => sum + c.nudges, 0),
  };
}
