import {
  adaptiveCardInvoke,
  searchInvoke,
  teamsConversationId,
  teamsMessage,
} from '../../support/teams-activities';
import type { SearchInvokeOptions } from '../../support/teams-activities';
import { actionsOf, cardsOf, textsOf } from '../../support/adaptive-cards';
import { DAY_MS, T0, TeamsHarness } from './teams-harness';

interface SearchAnswer {
  type: string;
  value: { results: Array<{ title: string; value: string }> };
}

/** Two weeks after a partner is added its site-visit nudge is due; 11:00 in Berlin on a Monday. */
const DUE = new Date(T0.getTime() + 14 * DAY_MS + 3_600_000);

let harness: TeamsHarness;

afterEach(async () => {
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

/**
 * Tenant A with 150 partners, `Partner 001` … `Partner 150`, all Asha's. Only `Partner 150` was added by
 * command, so only it has a schedule (its site visit comes due at DUE).
 */
async function tenantOf150(): Promise<(name: string) => string> {
  await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add "Partner 150"' }));
  for (let i = 1; i < 150; i++) {
    await harness.service.store.partners.create({
      workspaceId: 'teams:tenant-a',
      name: `Partner ${String(i).padStart(3, '0')}`,
      stage: 'exploring',
      createdBy: 'aad-asha',
      now: T0,
    });
  }
  return (name) =>
    String(harness.rows<{ id: number }>('SELECT id FROM partners WHERE name = ?', name)[0]!.id);
}

function search(
  queryText: string,
  extra: Partial<SearchInvokeOptions> = {},
): Promise<{ status: number; body?: SearchAnswer }> {
  return harness.post<SearchAnswer>(
    searchInvoke({ ...harness.asha(), dataset: 'partners', queryText, ...extra }),
  );
}

/** The `Input.ChoiceSet` of the partner in the last log form the bot sent since `mark`. */
function partnerPicker(mark: number): Record<string, unknown> {
  const form = harness
    .activitiesSince(mark)
    .flatMap((r) => cardsOf(r.activity))
    .filter((c) => textsOf(c)[0] === 'Log an interaction')
    .pop();
  const body = (form?.body ?? []) as Record<string, unknown>[];
  const picker = body.find((element) => element.id === 'partner');
  if (!picker) throw new Error('no log form with a partner picker was sent');
  return picker;
}

describe('Teams partner picker', () => {
  it('opens “Log it now” on a nudge for partner #150 with #150 chosen in a type-ahead picker', async () => {
    harness = await TeamsHarness.start();
    const id = await tenantOf150();
    await harness.tick(DUE);
    const nudgeCard = harness
      .activitiesSince(0)
      .flatMap((r) => cardsOf(r.activity))
      .find((c) => /Partner 150 — Plan a site visit/.test(textsOf(c)[0] ?? ''))!;
    const logNow = actionsOf(nudgeCard).find((a) => a.title === 'Log it now')!;
    const mark = harness.mark();

    const opened = await harness.post(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: String(logNow.verb),
        data: logNow.data as Record<string, unknown>,
      }),
    );

    expect(opened.status).toBe(200);
    expect(partnerPicker(mark)).toEqual({
      type: 'Input.ChoiceSet',
      id: 'partner',
      label: 'Partner',
      isRequired: true,
      errorMessage: 'Partner is required.',
      value: id('Partner 150'),
      style: 'filtered',
      choices: [{ title: 'Partner 150', value: id('Partner 150') }],
      'choices.data': { type: 'Data.Query', dataset: 'partners' },
      placeholder: 'Type to search…',
    });
  });

  it('answers the application/search invoke with at most 15 matches, names that start with it first', async () => {
    harness = await TeamsHarness.start();
    const id = await tenantOf150();
    await harness.service.store.partners.create({
      workspaceId: 'teams:tenant-a',
      name: '14 Rue Royale',
      stage: 'exploring',
      createdBy: 'aad-asha',
      now: T0,
    });

    const answer = await search('14');

    expect(answer.status).toBe(200);
    expect(answer.body?.type).toBe('application/vnd.microsoft.search.searchResponse');
    expect(answer.body?.value.results.map((r) => r.title)).toEqual([
      '14 Rue Royale',
      'Partner 014',
      'Partner 114',
      ...Array.from({ length: 10 }, (_, i) => `Partner 14${i}`),
    ]);
    expect(answer.body?.value.results[1]).toEqual({ title: 'Partner 014', value: id('Partner 014') });

    const many = await search('partner', { top: 50 });
    expect(many.body?.value.results).toHaveLength(15);
    const page = await search('partner', { skip: 15, top: 5 });
    expect(page.body?.value.results.map((r) => r.title)).toEqual([
      'Partner 016',
      'Partner 017',
      'Partner 018',
      'Partner 019',
      'Partner 020',
    ]);
  });

  it('searches only the sender’s own tenant, and answers no guest', async () => {
    harness = await TeamsHarness.start();
    await tenantOf150();
    harness.connector.setMembers(teamsConversationId('29:guest'), [
      { id: '29:guest', aadObjectId: 'aad-guest', name: 'Gus Guest', userRole: 'guest' },
    ]);

    const otherTenant = await search('partner', {
      tenantId: 'tenant-b',
      userId: '29:bo',
      aadObjectId: 'aad-bo',
    });
    const guest = await search('partner', { userId: '29:guest', aadObjectId: 'aad-guest' });

    expect(otherTenant.status).toBe(200);
    expect(otherTenant.body?.value.results).toEqual([]);
    expect(guest.status).toBe(403);
    expect(JSON.stringify(guest.body)).toContain('guests cannot use it');
  });

  it('refuses a dataset it does not know', async () => {
    harness = await TeamsHarness.start();
    await tenantOf150();

    const answer = await search('partner', { dataset: 'members' });

    expect(answer.status).toBe(400);
  });

  it('keeps the chosen partner in the picker when a submission is refused', async () => {
    harness = await TeamsHarness.start();
    const id = await tenantOf150();
    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner log' }));
    const form = harness
      .activitiesSince(0)
      .flatMap((r) => cardsOf(r.activity))
      .filter((c) => textsOf(c)[0] === 'Log an interaction')
      .pop()!;
    const submit = actionsOf(form)[0]!;
    const mark = harness.mark();

    // Partner 120 was found by typing; no kind was chosen.
    const refused = await harness.post<{ value: Record<string, unknown> }>(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: String(submit.verb),
        data: { ...(submit.data as object), partner: id('Partner 120'), date: '2026-03-02' },
      }),
    );

    expect(refused.status).toBe(200);
    const body = (refused.body!.value.body ?? []) as Record<string, unknown>[];
    expect(body.find((element) => element.id === 'partner')).toMatchObject({
      value: id('Partner 120'),
      choices: [{ title: 'Partner 120', value: id('Partner 120') }],
      'choices.data': { type: 'Data.Query', dataset: 'partners' },
    });
    expect(harness.activitiesSince(mark)).toEqual([]);
  });

  it('offers the first partners by name before anything is typed when none is chosen', async () => {
    harness = await TeamsHarness.start();
    await tenantOf150();
    const mark = harness.mark();

    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner log' }));

    const picker = partnerPicker(mark);
    expect(picker.value).toBeUndefined();
    expect((picker.choices as Array<{ title: string }>).map((c) => c.title)).toEqual(
      Array.from({ length: 15 }, (_, i) => `Partner ${String(i + 1).padStart(3, '0')}`),
    );
    expect(picker['choices.data']).toEqual({ type: 'Data.Query', dataset: 'partners' });
  });

  it('picks by type-ahead in a workspace of two partners too, the partner in context chosen', async () => {
    harness = await TeamsHarness.start();
    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add Nissan' }));
    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add Renault' }));
    const renault = String(
      harness.rows<{ id: number }>("SELECT id FROM partners WHERE name = 'Renault'")[0]!.id,
    );
    const mark = harness.mark();

    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner plan Renault' }));

    const planCard = harness
      .activitiesSince(mark)
      .flatMap((r) => cardsOf(r.activity))
      .pop();
    const picker = ((planCard?.body ?? []) as Record<string, unknown>[]).find((e) => e.id === 'partner');
    expect(picker).toMatchObject({
      type: 'Input.ChoiceSet',
      style: 'filtered',
      value: renault,
      choices: [{ title: 'Renault', value: renault }],
      'choices.data': { type: 'Data.Query', dataset: 'partners' },
    });
  });

  it('finds any partner of a 2,000-partner workspace through application/search, and logs for the one picked', async () => {
    harness = await TeamsHarness.start();
    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add Nissan' }));
    await harness.service.store.transaction(async (tx) => {
      for (let i = 1; i <= 2_000; i++) {
        await tx.partners.create({
          workspaceId: 'teams:tenant-a',
          name: `Partner ${String(i).padStart(4, '0')}`,
          stage: 'exploring',
          createdBy: 'aad-asha',
          now: T0,
        });
      }
    });

    const last = await search('partner 2000');
    const infix = await search('199');
    const lowercase = await search('PARTNER 1234');

    expect(last.status).toBe(200);
    const lastId = String(
      harness.rows<{ id: number }>("SELECT id FROM partners WHERE name = 'Partner 2000'")[0]!.id,
    );
    expect(last.body?.value.results).toEqual([{ title: 'Partner 2000', value: lastId }]);
    expect(infix.body?.value.results.map((r) => r.title)).toEqual([
      'Partner 0199',
      'Partner 1199',
      ...Array.from({ length: 10 }, (_, i) => `Partner 199${i}`),
    ]);
    expect(lowercase.body?.value.results.map((r) => r.title)).toEqual(['Partner 1234']);

    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner log' }));
    const form = harness
      .activitiesSince(0)
      .flatMap((r) => cardsOf(r.activity))
      .filter((c) => textsOf(c)[0] === 'Log an interaction')
      .pop()!;
    const submit = actionsOf(form)[0]!;
    const logged = await harness.post<{ value: unknown }>(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: String(submit.verb),
        data: { ...(submit.data as object), partner: lastId, kind: 'call', date: '2026-03-02' },
      }),
    );
    expect(logged.status).toBe(200);
    expect(harness.rows('SELECT partner_id, kind FROM interactions')).toEqual([
      { partner_id: Number(lastId), kind: 'call' },
    ]);
  });
});
