/**
 * Slash command replies in the acknowledgement: a command done within the budget is answered in the HTTP
 * response to Slack's request, with no second request to its response_url; a slower one is acknowledged
 * empty at the budget and answered on the response_url.
 */
import { blockText, startSlackHarness } from './slack-harness';
import type { SlackHarness } from './slack-harness';

/** A command slower than its acknowledgement's budget: the budget's timer is set first and is shorter. */
const BUDGET_MS = 50;
const SLOW_MS = 500;

describe('Slack slash command acknowledgement', () => {
  let h: SlackHarness;

  afterEach(async () => {
    jest.restoreAllMocks();
    await h.stop();
  });

  it('answers /partner log in the acknowledgement and posts nothing to the response_url', async () => {
    h = await startSlackHarness();
    await h.command('add Nissan');
    const { result, responseId } = await h.commandRaw('log Nissan call today Pricing questions');

    expect(result.status).toBe(200);
    const reply = result.json as { response_type: string; text: string; blocks: unknown };
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('Logged for *Nissan*: Call');
    expect(blockText(reply.blocks)).toContain('Pricing questions');
    expect(h.sql('SELECT kind, note FROM interactions')).toEqual([
      { kind: 'call', note: 'Pricing questions' },
    ]);
    // Give a stray response_url post time to arrive before saying there was none.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.fake.responses(responseId)).toEqual([]);
  });

  it('acknowledges a slow command empty at the budget and posts its reply to the response_url', async () => {
    h = await startSlackHarness({ ackBudgetMs: BUDGET_MS });
    await h.command('add Nissan');
    // A store that takes longer than the budget to find the partner.
    const partners = h.service.store.partners;
    const find = partners.findFirstNamed.bind(partners);
    jest.spyOn(partners, 'findFirstNamed').mockImplementation(async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
      return find(...args);
    });

    const { result, responseId } = await h.commandRaw('log Nissan call today');
    expect(result.status).toBe(200);
    expect(result.text).toBe('');
    const reply = await h.fake.waitForResponse(responseId, () => true, 5_000);
    expect(reply.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(reply.body.text)).toContain('Logged for *Nissan*: Call');
    expect(h.sql('SELECT kind FROM interactions')).toEqual([{ kind: 'call' }]);
  });
  // A command that opens a modal acknowledges empty and opens it: see slack-modals.test.ts.
});
