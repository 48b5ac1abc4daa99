import {
  CARD_BUDGET_BYTES,
  cardMarkdown,
  chatMarkdown,
  formCard,
  messageCard,
  VERBS,
} from '../../../src/channels/teams/adaptive-cards';
import { nudgeChoiceId } from '../../../src/core/choice-ids';
import type { Message } from '../../../src/core/messages';
import type { Member, Nudge, Partner } from '../../../src/core/model';
import { DEFAULT_PLAYBOOK, findRule } from '../../../src/core/playbook/playbook';
import { helpMessage, logForm, nudgeMessage, prefsMessage, usageError } from '../../../src/core/views';
import { exportMessage } from '../../../src/core/insight-views';
import { welcomeMessage } from '../../../src/core/welcome';
import { actionsOf, adaptiveCardProblems, textsOf } from '../../support/adaptive-cards';

const NOW = new Date('2026-03-02T10:00:00Z');

const partner: Partner = {
  id: 7,
  workspaceId: 'teams:t1',
  name: 'Nissan',
  stage: 'signed',
  country: null,
  timeZone: null,
  firstMetOn: null,
  signedOn: '2026-02-23',
  stageChangedAt: NOW,
  createdAt: NOW,
  createdBy: 'u1',
  owners: ['u1'],
};

const nudge: Nudge = {
  id: 42,
  workspaceId: 'teams:t1',
  partnerId: 7,
  memberId: 'u1',
  ruleId: 'post-signing',
  occurrence: 'd7',
  dueAt: NOW,
  deliverAfter: NOW,
  status: 'pending',
  attempts: 0,
  leaseUntil: null,
  leaseToken: null,
  lastError: null,
  messageRef: null,
  sentAt: null,
  answeredAt: null,
  answer: null,
  answeredBy: null,
  createdAt: NOW,
};

const member: Member = {
  workspaceId: 'teams:t1',
  id: 'u1',
  displayName: 'Asha',
  email: null,
  timeZone: 'Europe/Berlin',
  timeZoneCheckedAt: NOW,
  timeZoneChosen: false,
  workingDays: [1, 2, 3, 4, 5],
  workStart: 540,
  workEnd: 1020,
  address: null,
  addressStale: false,
  pausedUntil: null,
  digest: true,
  holidayCountry: null,
  createdAt: NOW,
};

function nudgeCard() {
  const rule = findRule(DEFAULT_PLAYBOOK, 'post-signing')!;
  return messageCard(nudgeMessage(nudge, rule, partner, 'yet', 7));
}

describe('Adaptive Card rendering', () => {
  const messages: [string, Message][] = [
    ['help', helpMessage()],
    ['help for one command', helpMessage('log')],
    ['a usage error', usageError('I don’t know the command “frob”.', 'log')],
    ['preferences', prefsMessage(member, NOW)],
    ['the welcome', welcomeMessage(member)],
    [
      'a dashboard with per-section buttons',
      {
        title: 'Your partnerships',
        text: 'You own 1 partner relationship.',
        sections: [
          {
            title: 'Nissan',
            lines: ['*Nissan* — signed, no contact logged'],
            choices: [
              { id: 'p:7:log', label: 'Log' },
              { id: 'p:7:status', label: 'Status' },
            ],
          },
        ],
        choices: [{ id: 'log:open', label: 'Log an interaction', style: 'primary' }],
      },
    ],
    [
      'a message with an inline form',
      { text: 'Log it here.', form: logForm([partner], { date: '2026-03-02' }) },
    ],
  ];

  it.each(messages)('renders %s as a valid Adaptive Card 1.5', (_name, message) => {
    expect(adaptiveCardProblems(messageCard(message))).toEqual([]);
  });

  it('renders a nudge with every choice as Action.Execute and an Action.Submit fallback', () => {
    const card = nudgeCard();
    expect(adaptiveCardProblems(card)).toEqual([]);
    const actions = actionsOf(card);
    const ids = actions.map((action) => (action.data as { choiceId: string }).choiceId);
    expect(ids).toEqual([
      nudgeChoiceId(42, 'well'),
      nudgeChoiceId(42, 'friction'),
      nudgeChoiceId(42, 'stuck'),
      nudgeChoiceId(42, '_snooze1d'),
      nudgeChoiceId(42, '_snooze1w'),
      nudgeChoiceId(42, '_dismiss'),
    ]);
    for (const action of actions) {
      expect(action).toMatchObject({ type: 'Action.Execute', verb: VERBS.choice });
      expect(action.fallback).toEqual({
        type: 'Action.Submit',
        title: action.title,
        data: { verb: VERBS.choice, choiceId: (action.data as { choiceId: string }).choiceId },
        ...(action.style ? { style: action.style } : {}),
        ...(action.mode ? { mode: action.mode } : {}),
      });
    }
    expect(actions.map((a) => a.title)).toEqual(
      expect.arrayContaining(['Going well', 'Snooze 1 day', 'Snooze 1 week', 'Dismiss']),
    );
    // An answer is never red: only deleting something is.
    expect(actions.find((a) => a.title === 'Stuck')?.style).toBeUndefined();
  });

  it('shows a nudge’s answers as buttons and tucks snooze and dismiss into an overflow menu of their own row', () => {
    const rows = (nudgeCard().body as Array<{ type: string; actions?: Array<Record<string, unknown>> }>)
      .filter((element) => element.type === 'ActionSet')
      .map((set) => set.actions!.map((action) => [action.title, action.mode ?? 'primary']));

    expect(rows).toEqual([
      [
        ['Going well', 'primary'],
        ['Some friction', 'primary'],
        ['Stuck', 'primary'],
      ],
      [
        ['Snooze 1 day', 'secondary'],
        ['Snooze 1 week', 'secondary'],
        ['Dismiss', 'secondary'],
      ],
    ]);
  });

  it('offers "Log it now" on nudges that ask for something to be logged', () => {
    const rule = findRule(DEFAULT_PLAYBOOK, 'site-visit')!;
    const card = messageCard(nudgeMessage({ ...nudge, ruleId: 'site-visit' }, rule, partner, 'yet'));
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(actionsOf(card).map((a) => a.title)).toEqual([
      'Visit planned',
      'Log it now',
      'Brief me',
      'Snooze 1 day',
      'Snooze 1 week',
      'Dismiss',
    ]);
  });

  it('says where an export’s files come: as consent cards in personal chat, or to ask there', () => {
    const files = [{ name: 'rapport-partners.csv', mimeType: 'text/csv', content: 'name\nNissan\n' }];
    const message = exportMessage('Acme', 'csv', { partners: 1, interactions: 0, answers: 0 }, files);

    const personal = messageCard(message, undefined, { fileConsent: true });
    const elsewhere = messageCard(message);

    for (const card of [personal, elsewhere]) expect(adaptiveCardProblems(card)).toEqual([]);
    expect(textsOf(personal).join('\n')).toMatch(
      /rapport-partners\.csv[\s\S]*Each file follows as its own card/,
    );
    expect(textsOf(elsewhere)).toContain(
      'Teams lets me send files only in our personal chat: type `export` there to get them.',
    );
  });

  it('turns the core’s *bold* into Adaptive Card **bold**', () => {
    expect(textsOf(messageCard({ title: 'T', text: 'Added *Nissan*.' }))).toContain('Added **Nissan**.');
  });

  it('renders the log form with choice sets, a date, a bounded text and a submit with the form context', () => {
    const form = logForm([partner], { date: '2026-03-02', partnerId: 7 });
    form.context = { nudgeId: '42' };
    const card = formCard(form);
    expect(adaptiveCardProblems(card)).toEqual([]);
    const inputs = Object.fromEntries(
      (card.body as Record<string, unknown>[])
        .filter((e) => String(e.type).startsWith('Input.'))
        .map((e) => [e.id, e]),
    );
    expect(inputs.partner).toMatchObject({ type: 'Input.ChoiceSet', value: '7', isRequired: true });
    expect(inputs.partner?.choices).toEqual([{ title: 'Nissan', value: '7' }]);
    expect(inputs.kind).toMatchObject({ type: 'Input.ChoiceSet', isRequired: true });
    expect(inputs.rating).toMatchObject({
      type: 'Input.ChoiceSet',
      label: 'How did it go? (1–5) (optional)',
    });
    expect(inputs.date).toMatchObject({ type: 'Input.Date', value: '2026-03-02' });
    expect(inputs.note).toMatchObject({ type: 'Input.Text', isMultiline: true, maxLength: 2000 });
    expect(card.actions).toEqual([
      expect.objectContaining({
        type: 'Action.Execute',
        verb: VERBS.form,
        data: { formId: 'log-interaction', context: { nudgeId: '42' } },
        fallback: expect.objectContaining({
          type: 'Action.Submit',
          data: { verb: VERBS.form, formId: 'log-interaction', context: { nudgeId: '42' } },
        }),
      }),
    ]);
  });

  it('shows each validation error under its field and keeps every submitted value', () => {
    const form = logForm([partner], { date: '2026-03-02' });
    const values = {
      partner: '7',
      kind: 'visit',
      date: '2099-01-01',
      note: 'Met the plant team',
      rating: '4',
    };
    const card = formCard(form, { values, errors: { date: 'Fri 1 Jan 2099 is in the future.' } });
    expect(adaptiveCardProblems(card)).toEqual([]);
    const body = card.body as Record<string, unknown>[];
    const dateIndex = body.findIndex((e) => e.id === 'date');
    expect(body[dateIndex]).toMatchObject({ value: '2099-01-01' });
    expect(body[dateIndex + 1]).toMatchObject({
      type: 'TextBlock',
      color: 'Attention',
      text: 'Fri 1 Jan 2099 is in the future.',
    });
    for (const [id, value] of Object.entries(values))
      expect(body.find((e) => e.id === id)?.value).toBe(value);
    expect(textsOf(card)).toContain('Please check the fields marked below.');
  });
});

describe('the Adaptive Card check itself', () => {
  const valid = {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [{ type: 'TextBlock', text: 'hi', wrap: true }],
  };

  it('accepts a valid card', () => {
    expect(adaptiveCardProblems(valid)).toEqual([]);
  });

  it.each([
    ['a misspelt property', { ...valid, body: [{ type: 'TextBlock', text: 'hi', wrapp: true }] }, /wrapp/],
    [
      'an invalid enum value',
      { ...valid, body: [{ type: 'TextBlock', text: 'hi', color: 'Teal' }] },
      /color/,
    ],
    ['an unknown element', { ...valid, body: [{ type: 'Carousel' }] }, /Carousel/],
    ['another version', { ...valid, version: '1.6' }, /version/],
    [
      'duplicate input ids',
      {
        ...valid,
        body: [
          { type: 'Input.Text', id: 'a' },
          { type: 'Input.Text', id: 'a' },
        ],
      },
      /Duplicate/,
    ],
    [
      'a broken fallback',
      {
        ...valid,
        actions: [
          { type: 'Action.Execute', title: 'x', verb: 'v', fallback: { type: 'Action.Sbmit', title: 'x' } },
        ],
      },
      /fallback/,
    ],
  ])('rejects %s', (_name, card, pattern) => {
    expect(adaptiveCardProblems(card).join('\n')).toMatch(pattern);
  });
});

describe('Adaptive Card size', () => {
  const partnerSection = (i: number) => ({
    title: `Partner company number ${i} International Holdings`,
    lines: [`Health 40/100 — no visit logged yet. Next: visit them (+40)`, `*Partner ${i}* — exploring`],
    choices: [
      { id: `p:${i}:log`, label: 'Log' },
      { id: `p:${i}:status`, label: 'Status' },
    ],
  });

  it('keeps a large dashboard under the Teams message size, first sections first, and says what it left out', () => {
    const message: Message = {
      title: 'Your partnerships',
      text: 'You own 100 partner relationships.',
      sections: Array.from({ length: 100 }, (_, i) => partnerSection(i)),
      choices: [{ id: 'log:open', label: 'Log an interaction', style: 'primary' }],
    };

    const card = messageCard(message);

    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
    expect(adaptiveCardProblems(card)).toEqual([]);
    const texts = textsOf(card);
    expect(texts).toContain('Partner company number 0 International Holdings');
    const kept = texts.filter((t) => t.startsWith('Partner company number')).length;
    expect(kept).toBeGreaterThan(10);
    expect(texts).toContain(
      `…and ${100 - kept} more not shown here. Type \`partner status NAME\` to see any of them.`,
    );
    expect(actionsOf(card).map((a) => a.title)).toContain('Log an interaction');
  });

  it('keeps the first lines of a section too long for one card, and says how many more', () => {
    const lines = Array.from(
      { length: 600 },
      (_, i) => `Tue 1 Sep 2026 — Post-signing check-in ${i} — gave up after 5 attempts`,
    );
    const message: Message = {
      title: 'Nissan',
      text: 'Where the relationship with *Nissan* stands.',
      sections: [
        { title: 'Could not be delivered', lines },
        { title: 'Coming up', lines: ['Mon 30 Nov 2026: Post-signing check-in'] },
      ],
    };

    const card = messageCard(message);

    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
    expect(adaptiveCardProblems(card)).toEqual([]);
    const texts = textsOf(card);
    const kept = texts.filter((t) => t.includes('gave up after')).length;
    expect(kept).toBeGreaterThan(50);
    expect(texts).toContain(`…and ${600 - kept} more.`);
    // Not a list of partners: no hint about `partner status`.
    expect(texts[texts.length - 1]).toBe('…and 1 more not shown here.');
  });

  it('shows each line of a multi-line note as its own text block', () => {
    const card = messageCard({
      title: 'Brief: Nissan',
      text: 'x',
      sections: [
        {
          title: 'Last pulse',
          lines: ['4/5 on Wed 25 Nov 2026', '“Trust is growing\nNext: the plant tour”'],
        },
      ],
    });

    expect(textsOf(card).slice(-3)).toEqual([
      '4/5 on Wed 25 Nov 2026',
      '“Trust is growing',
      'Next: the plant tour”',
    ]);
    expect(adaptiveCardProblems(card)).toEqual([]);
  });

  it('leaves a card that fits untouched', () => {
    const message: Message = { title: 'T', text: 'x', sections: [partnerSection(1)] };
    expect(textsOf(messageCard(message)).join('\n')).not.toMatch(/more not shown/);
  });
});

describe('Teams Markdown from the core’s text', () => {
  it.each([
    ['the core’s bold', 'Added *Nissan* (signed).', 'Added **Nissan** (signed).'],
    ['a link', 'Added *[x](https://evil.example)*.', 'Added **\\[x\\](https://evil.example)**.'],
    ['an image', '![p](https://evil.example/p.png)', '!\\[p\\](https://evil.example/p.png)'],
    [
      'an autolink and HTML',
      '<https://evil.example> <b>x</b>',
      '\\<https://evil.example\\> \\<b\\>x\\</b\\>',
    ],
    ['a backslash that would undo an escape', '\\[x](y)', '\\\\\\[x\\](y)'],
    ['a heading', '# Agenda', '\\# Agenda'],
    ['list markers', '- a\n+ b\n* c\n1. d\n2) e', '\\- a\n\\+ b\n\\* c\n1\\. d\n2\\) e'],
    [
      'parentheses and dates',
      'Fri 20 Nov 2026 (37 days): 2026-11-20',
      'Fri 20 Nov 2026 (37 days): 2026-11-20',
    ],
  ])('escapes %s', (_what, text, markdown) => {
    expect(cardMarkdown(text)).toBe(markdown);
  });

  it('escapes chat messages too', () => {
    expect(chatMarkdown({ text: 'Removed *[x](https://evil.example)*.', footer: '[y](z)' })).toBe(
      'Removed **\\[x\\](https://evil.example)**.\n\n_\\[y\\](z)_',
    );
  });
});
