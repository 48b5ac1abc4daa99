/**
 * Members' words never become markup in Teams: a partner named like a Markdown link, and notes holding
 * links, HTML and list markers, are shown as typed in every kind of card and chat message the bot sends,
 * and no Markdown Teams renders holds an active link.
 */
import { cardsOf, textsOf } from '../../support/adaptive-cards';
import { teamsMessage } from '../../support/teams-activities';
import { TeamsHarness } from './teams-harness';

const NAME = '[x](https://evil.example)';
const SHOWN = '\\[x\\](https://evil.example)';
const NOW = new Date('2026-11-27T10:00:00.000Z'); // a Friday, 11:00 in Berlin
const NEXT_MONDAY = new Date('2026-11-30T09:30:00.000Z'); // 10:30 in Berlin: the weekly digest
const VISIT_DUE = new Date('2026-12-14T09:30:00.000Z'); // two weeks on: "plan a site visit" is due

/** Every string Teams renders as Markdown in a card: TextBlock texts and FactSet titles and values. */
function markdownOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(markdownOf);
  if (!node || typeof node !== 'object') return [];
  const element = node as Record<string, unknown>;
  const own: string[] = [];
  if (element.type === 'TextBlock' && typeof element.text === 'string') own.push(element.text);
  if (element.type === 'FactSet' && Array.isArray(element.facts)) {
    for (const fact of element.facts as { title?: unknown; value?: unknown }[]) {
      own.push(String(fact.title ?? ''), String(fact.value ?? ''));
    }
  }
  return [...own, ...Object.values(element).flatMap(markdownOf)];
}

/** What in `markdown` Teams would turn into a link, an image or HTML, escaped characters aside. */
function activeMarkup(markdown: string): string[] {
  const unescaped = markdown.replace(/\\[\s\S]/g, '');
  return [
    ...(unescaped.match(/\]\s*\(/g) ?? []),
    ...(unescaped.match(/<\/?[a-z][^>]*>?/gi) ?? []),
    ...(unescaped.match(/^\s*(?:[-+#]|\d+[.)])\s/gm) ?? []),
  ];
}

let harness: TeamsHarness;
afterEach(async () => {
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

async function say(text: string): Promise<void> {
  await harness.send(teamsMessage({ ...harness.asha(), text }));
}

describe('members’ words in Teams cards and messages', () => {
  it('shows a partner named like a link, and notes holding links and HTML, as typed in every card kind', async () => {
    harness = await TeamsHarness.start({ now: NOW });
    await say(`add ${NAME}`);
    await say(`log ${NAME} meeting today See [the deck](https://evil.example/deck) <b>now</b>`);
    await say(`observe ${NAME} ![pixel](https://evil.example/p.png) decisions by consensus`);
    const kinds: Record<string, number> = {};
    const note = (kind: string, from: number): void => {
      kinds[kind] = harness.activitiesSince(from).flatMap((r) => cardsOf(r.activity)).length;
    };
    for (const [kind, command] of [
      ['status', `status ${NAME}`],
      ['brief', `brief ${NAME}`],
      ['dashboard', 'list'],
      ['log form', 'log'],
      ['preview', `preview ${NAME}`],
    ]) {
      const mark = harness.mark();
      await say(command!);
      note(kind!, mark);
    }
    const mark = harness.mark();
    await harness.tick(NEXT_MONDAY);
    await harness.tick(VISIT_DUE);
    const sent = harness.activitiesSince(mark).flatMap((r) => cardsOf(r.activity));
    kinds.nudge = sent.filter((card) => textsOf(card)[0]?.startsWith(`${SHOWN} — `)).length;
    kinds.digest = sent.filter((card) => textsOf(card)[0]?.startsWith('Your partnerships — week of')).length;

    // Every kind of card was sent at least once.
    expect(Object.entries(kinds).filter(([, cards]) => cards === 0)).toEqual([]);
    const activities = harness.activitiesSince(0).map((r) => r.activity);
    const markdown = [
      ...activities.flatMap((activity) => markdownOf(cardsOf(activity))),
      // Plain replies go out as chat Markdown.
      ...activities.map((activity) => String(activity.text ?? '')),
    ];
    expect(markdown.join('\n')).toContain(SHOWN);
    expect(markdown.filter((text) => activeMarkup(text).length > 0)).toEqual([]);
  });
});
