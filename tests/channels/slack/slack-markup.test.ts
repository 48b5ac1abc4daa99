/**
 * Members' words never become markup in Slack: partner names and notes holding Slack's formatting markers,
 * links and mentions are shown as typed in every reply, nudge, digest, modal and App Home view, and only
 * the core's own bold and code format anything.
 */
import { blockText, DAY_MS, MONDAY, startSlackHarness } from './slack-harness';
import type { SlackHarness } from './slack-harness';

const MARKERS = '*b*_i_~s~`c`';
const LINK = '[x](https://evil.example)';
const ZWSP = '\u200B';

/** Every mrkdwn string in some Block Kit (section texts and fields, context elements). */
function mrkdwnOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(mrkdwnOf);
  if (!node || typeof node !== 'object') return [];
  const element = node as Record<string, unknown>;
  const own = element.type === 'mrkdwn' && typeof element.text === 'string' ? [element.text] : [];
  return [...own, ...Object.values(element).flatMap(mrkdwnOf)];
}

/**
 * The formatting Slack would apply to `text`: a marker opens after the start of the text, a space or
 * punctuation and before a non-space, and closes after a non-space and before the end, a space or
 * punctuation (a zero-width space is neither, as in Slack).
 */
function spans(text: string): { marker: string; content: string }[] {
  const found: { marker: string; content: string }[] = [];
  for (const marker of ['*', '_', '~', '`']) {
    const m = `\\${marker}`;
    const edge = `\\s().,;:!?'"\\[\\]{}/-`;
    const pattern = new RegExp(
      `(?:^|(?<=[${edge}]))${m}(?=[^\\s${m}])([^${m}\\n]*?[^\\s${m}])${m}(?=$|[${edge}])`,
      'gm',
    );
    for (const match of text.matchAll(pattern)) found.push({ marker, content: match[1]! });
  }
  return found;
}

let h: SlackHarness;
afterEach(() => h.stop());

describe('members’ words in Slack messages and views', () => {
  it('formats nothing a member typed, in replies, App Home, modals, nudges and the digest', async () => {
    h = await startSlackHarness();
    for (const name of [MARKERS, LINK]) {
      await h.command(`add ${name}`);
      await h.command(
        `log ${name} meeting today _Agreed_ ~maybe~ 2*3*4 \`now\` <!channel> <https://evil.example|here>`,
      );
      await h.command(`observe ${name} They value _punctuality_ and *a*b*`);
    }
    const replies = [];
    for (const command of [`status ${MARKERS}`, `brief ${MARKERS}`, `status ${LINK}`, 'list']) {
      replies.push((await h.command(command)).body);
    }
    await h.commandRaw('log');
    await h.fake.waitFor('views.open');
    await h.openHome();
    await h.fake.waitFor('views.publish');
    h.setNow(new Date(MONDAY.getTime() + 14 * DAY_MS));
    await h.service.tick(h.now());

    const posted = h.fake.calls('chat.postMessage').map((call) => call.params);
    expect(posted.length).toBeGreaterThan(1); // nudges and the weekly digest
    const views = [...h.fake.calls('views.publish'), ...h.fake.calls('views.open')].map((c) => c.params.view);
    const texts = [
      ...[...replies, ...posted].flatMap((body) => [String(body.text ?? ''), ...mrkdwnOf(body.blocks)]),
      ...mrkdwnOf(views),
    ];

    // Nothing a member typed makes a link or a mention…
    expect(texts.filter((text) => /<[^>]*>/.test(text))).toEqual([]);
    // …or formatting of its own: no italics or strike-through (the core uses neither), and no bold made of
    // a member's asterisks (inside a name the core makes bold, between digits, next to another asterisk).
    const formatting = texts.flatMap(spans);
    expect(formatting.filter((span) => span.marker === '_' || span.marker === '~')).toEqual([]);
    expect(formatting.filter((span) => span.marker === '*' && /^[ab3]$/.test(span.content))).toEqual([]);
    expect(blockText(replies[0]!.blocks)).toContain(`${ZWSP}*${ZWSP}b${ZWSP}*${ZWSP}`);
    expect(texts.join('\n')).toContain(LINK);
  });
});
