import type { Activity } from 'botbuilder';
import { VERBS } from '../../../src/channels/teams/adaptive-cards';
import { actionsOf, adaptiveCardProblems, cardsOf, textsOf } from '../../support/adaptive-cards';
import type { JsonResponse } from '../../support/http';
import { adaptiveCardInvoke, teamsMessage } from '../../support/teams-activities';
import { TeamsHarness } from './teams-harness';

interface OwnerRow {
  member_id: string;
  role: string;
  lead: number;
}

describe('Teams co-owners', () => {
  let h: TeamsHarness;
  const ben = () => h.asha({ userId: '29:ben', aadObjectId: 'aad-ben', userName: 'Ben Ito' });
  const cy = () => h.asha({ userId: '29:cy', aadObjectId: 'aad-cy', userName: 'Cy Moreau' });
  const owners = () => h.rows<OwnerRow>('SELECT member_id, role, lead FROM partner_owners ORDER BY position');
  /** Cards and texts posted to one member's personal chat since `mark`. */
  const said = (conversationId: string, mark = 0): string =>
    h
      .activitiesSince(mark)
      .filter((r) => r.conversationId === conversationId)
      .map((r) =>
        [String(r.activity?.text ?? ''), ...cardsOf(r.activity).flatMap((c) => textsOf(c))].join('\n'),
      )
      .join('\n');

  beforeEach(async () => {
    h = await TeamsHarness.start();
    await h.send(teamsMessage({ ...h.asha(), text: 'add Nissan negotiating' }) as Partial<Activity>);
    // Ben and Cy have written to Rapport once, so the organisation's workspace knows them.
    await h.send(teamsMessage({ ...ben(), text: 'help' }) as Partial<Activity>);
    await h.send(teamsMessage({ ...cy(), text: 'help' }) as Partial<Activity>);
  });
  afterEach(() => h.stop());

  it('reads an @mention as the member it names, adds them, and tells them in their own chat on the next pass', async () => {
    const mention = '<at>Ben Ito</at>';
    const mark = h.mark();
    await h.send(
      teamsMessage({
        ...h.asha(),
        text: `owners Nissan add ${mention} it`,
        entities: [
          {
            type: 'mention',
            text: mention,
            mentioned: { id: '29:ben', name: 'Ben Ito', aadObjectId: 'aad-ben' },
          },
        ],
      }) as Partial<Activity>,
    );
    expect(said('a:1asha', mark)).toContain('Added Ben Ito (IT) as a co-owner of');
    expect(owners()).toEqual([
      { member_id: 'aad-asha', role: 'alliance-manager', lead: 1 },
      { member_id: 'aad-ben', role: 'it', lead: 0 },
    ]);

    const beforeTick = h.mark();
    await h.tick();
    const notice = said('a:1ben', beforeTick);
    expect(notice).toContain('made you a co-owner of');
    expect(notice).toContain('Nissan');
    const [noticeCard] = h
      .activitiesSince(beforeTick)
      .filter((r) => r.conversationId === 'a:1ben')
      .flatMap((r) => cardsOf(r.activity));
    expect(actionsOf(noticeCard)[0]).toMatchObject({ title: 'Open status' });
    expect(h.rows(`SELECT member_id, status FROM nudges WHERE rule_id = 'owner-added'`)).toEqual([
      { member_id: 'aad-ben', status: 'sent' },
    ]);
    expect(h.cardProblems()).toEqual([]);
  });

  it('looks up a mention that carries only the Teams id in the roster, for the id Rapport files people under', async () => {
    const mention = '<at>Cy Moreau</at>';
    await h.send(
      teamsMessage({
        ...h.asha(),
        text: `owners Nissan add ${mention} purchasing`,
        entities: [{ type: 'mention', text: mention, mentioned: { id: '29:cy', name: 'Cy Moreau' } }],
      }) as Partial<Activity>,
    );
    expect(owners()).toEqual([
      { member_id: 'aad-asha', role: 'alliance-manager', lead: 1 },
      { member_id: 'aad-cy', role: 'purchasing', lead: 0 },
    ]);
    expect(h.connector.requests().some((r) => r.memberId === '29:cy')).toBe(true);
  });

  it('opens the people picker from the status card and adds the person its submission names', async () => {
    const mark = h.mark();
    await h.send(teamsMessage({ ...h.asha(), text: 'status Nissan' }) as Partial<Activity>);
    const [statusCard] = h.activitiesSince(mark).flatMap((r) => cardsOf(r.activity));
    const add = actionsOf(statusCard).find((a) => a.title === 'Add co-owner');
    expect(add).toBeDefined();

    const beforeForm = h.mark();
    const pressed: JsonResponse<unknown> = await h.post(
      adaptiveCardInvoke({ ...h.asha(), verb: VERBS.choice, data: add!.data as Record<string, unknown> }),
    );
    expect(pressed.status).toBe(200);
    const form = h
      .activitiesSince(beforeForm)
      .flatMap((r) => cardsOf(r.activity))
      .find((card) => JSON.stringify(card).includes('graph.microsoft.com/users'));
    expect(form).toBeDefined();
    expect(adaptiveCardProblems(form)).toEqual([]);
    const picker = (form!.body as Array<Record<string, unknown>>).find((e) => e.id === 'member');
    expect(picker).toMatchObject({
      type: 'Input.ChoiceSet',
      'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' },
    });
    const submit = actionsOf(form).find((a) => a.verb === VERBS.form)!;

    const answer = await h.post<{ value: unknown }>(
      adaptiveCardInvoke({
        ...h.asha(),
        verb: VERBS.form,
        data: { ...(submit.data as Record<string, unknown>), member: 'aad-cy', role: 'legal', otherRole: '' },
      }),
    );
    expect(answer.status).toBe(200);
    expect(textsOf(answer.body?.value).join('\n')).toContain('Added Cy Moreau (legal) as a co-owner');
    expect(owners()).toMatchObject([{ member_id: 'aad-asha' }, { member_id: 'aad-cy', role: 'legal' }]);

    const beforeTick = h.mark();
    await h.tick();
    expect(said('a:1cy', beforeTick)).toContain('made you a co-owner of');
  });

  it('puts a refused submission back in the card with the problem against its field', async () => {
    const answer = await h.post<{ value: unknown }>(
      adaptiveCardInvoke({
        ...h.asha(),
        verb: VERBS.form,
        data: { formId: 'add-owner', context: { partner: '1' }, member: 'aad-nobody', role: 'sales' },
      }),
    );
    expect(answer.status).toBe(200);
    expect(textsOf(answer.body?.value).join('\n')).toContain("I don't know anyone called “aad-nobody”");
    expect(owners()).toHaveLength(1);
  });
});
