import fc from 'fast-check';
import { checkPartnerName } from '../../src/core/commands/arguments';
import { COMMANDS, tokenize, suggest } from '../../src/core/commands/grammar';
import { quoteName } from '../../src/core/insight-views';
import { helpMessage } from '../../src/core/views';
import { coreHarness, flatten } from '../support/core-harness';

describe('tokenize', () => {
  it.each([
    ['log Nissan visit', ['log', 'Nissan', 'visit']],
    ['add "Renault Group" negotiating', ['add', 'Renault Group', 'negotiating']],
    ['add \u201CRenault Group\u201D', ['add', 'Renault Group']],
    ["observe Nissan they don't rush", ['observe', 'Nissan', 'they', "don't", 'rush']],
    ['  spaced   out  ', ['spaced', 'out']],
  ])('splits %s', (text, tokens) => {
    expect(tokenize(text)).toMatchObject({ ok: true, tokens });
  });

  it.each([
    ['’til Friday', ["'til", 'Friday']],
    ["log 'Renault Group' visit", ['log', 'Renault Group', 'visit']],
    ['observe Nissan it’s consensus', ['observe', 'Nissan', "it's", 'consensus']],
  ])('treats apostrophes as characters unless they close a group: %s', (text, tokens) => {
    expect(tokenize(text)).toMatchObject({ ok: true, tokens });
  });

  it('marks which words were quoted', () => {
    expect(tokenize('log "Nissan" meeting')).toEqual({
      ok: true,
      tokens: ['log', 'Nissan', 'meeting'],
      quoted: [false, true, false],
    });
  });

  it('suggests nothing for an empty name', () => {
    expect(suggest('', ['Nissan', 'Mazda'])).toEqual([]);
  });

  it('reports an unclosed quote', () => {
    expect(tokenize('add "Renault Group')).toEqual({
      ok: false,
      error: expect.stringContaining('not closed'),
    });
  });

  it('suggests close names', () => {
    expect(suggest('Nisan', ['Nissan', 'Renault', 'Mitsubishi'])).toEqual(['Nissan']);
    expect(suggest('zzz', ['Nissan'])).toEqual([]);
  });

  it.each([
    ['add "Say \\"Hi\\""', ['add', 'Say "Hi"']],
    ['add "a \\\\ b"', ['add', 'a \\ b']],
    ['add "C:\\Temp dir"', ['add', 'C:\\Temp dir']],
    ['add C:\\Temp Say\\"Hi', ['add', 'C:\\Temp', 'Say\\"Hi']],
    ["add 'it\\s'", ['add', 'it\\s']],
  ])(
    'reads \\" and \\\\ inside double quotes, and a backslash anywhere else as a character: %s',
    (text, tokens) => {
      expect(tokenize(text)).toMatchObject({ ok: true, tokens });
    },
  );
});

describe('quoteName', () => {
  it.each([
    ['Nissan', 'Nissan'],
    ['Renault Group', '"Renault Group"'],
    ['*bold*', '"*bold*"'],
    ['`tick`', '"`tick`"'],
    ['a_b', '"a_b"'],
    ['~x~', '"~x~"'],
    ['Say "Hi"', '"Say \\"Hi\\""'],
    ["O'Neil", '"O\'Neil"'],
    ['back\\slash', 'back\\slash'],
    ['back \\slash\\', '"back \\\\slash\\\\"'],
  ])('writes %s as %s', (name, written) => {
    expect(quoteName(name)).toBe(written);
  });

  /** Names as `add` takes them: trimmed, within the limits, and typed (so curly quotes were already made straight). */
  const addableName = fc
    .string({
      unit: fc.constantFrom(
        'a',
        'Z',
        '9',
        'é',
        '-',
        '.',
        ' ',
        '\u00A0',
        '*',
        '_',
        '~',
        '`',
        '"',
        "'",
        '\\',
        '/',
      ),
      minLength: 1,
      maxLength: 40,
    })
    .filter((name) => name === name.trim() && checkPartnerName(name) === null);

  it('is read back by the tokenizer as exactly the name, inside a suggested command', () => {
    fc.assert(
      fc.property(addableName, (name) => {
        expect(tokenize(`partner snooze ${quoteName(name)} 1w`)).toMatchObject({
          ok: true,
          tokens: ['partner', 'snooze', name, '1w'],
        });
        expect(tokenize(`add ${quoteName(name)}`)).toMatchObject({ ok: true, tokens: ['add', name] });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('help', () => {
  it('lists every command, remove included', () => {
    const help = flatten(helpMessage());
    for (const spec of COMMANDS) expect(help).toContain(`${spec.usage}* — ${spec.summary}`);
    expect(COMMANDS.map((spec) => spec.name)).toContain('remove');
  });

  it('explains remove', () => {
    const help = flatten(helpMessage('remove'));
    expect(help).toContain('Usage: `partner remove NAME`');
    expect(help).toContain('confirm');
    expect(help).not.toContain('There is no command');
  });
});

describe('commands', () => {
  let h: Awaited<ReturnType<typeof coreHarness>>;
  beforeEach(async () => {
    h = await coreHarness();
  });
  afterEach(() => h.close());

  it('adds a partner owned by the member, with an optional stage', async () => {
    expect(await h.say('add "Renault Group" negotiating')).toContain('Added *Renault Group* (negotiating)');
    const partner = await h.store.partners.findByName(h.actor.workspaceId, 'renault group');
    expect(partner).toMatchObject({ stage: 'negotiating', owners: ['ada'] });
  });

  it('accepts the partner prefix and a slash', async () => {
    expect(await h.say('partner add Nissan')).toContain('Added *Nissan*');
    expect(await h.say('/partner status Nissan')).toContain('Where the relationship with *Nissan* stands');
  });

  it('logs an interaction with a date and a note, for a multi-word name without quotes', async () => {
    await h.say('add "Renault Group"');
    expect(await h.say('log Renault Group visit 2026-11-20 Toured the Douai plant')).toContain(
      'Visit to their premises, Fri 20 Nov 2026',
    );
    const [interaction] = await h.store.interactions.listForPartner(h.actor.workspaceId, 1);
    expect(interaction).toMatchObject({
      kind: 'visit',
      occurredOn: '2026-11-20',
      note: 'Toured the Douai plant',
      memberId: 'ada',
    });
  });

  it('keeps a quoted name exact, never extending it with the next words', async () => {
    await h.say('add Nissan');
    await h.say('add "Nissan Meeting"');
    await h.say('log "Nissan" meeting today Quarterly review');
    const nissan = await h.store.partners.findByName(h.actor.workspaceId, 'Nissan');
    const [logged] = await h.store.interactions.listForPartner(h.actor.workspaceId, nissan!.id);
    expect(logged).toMatchObject({ kind: 'meeting', note: 'Quarterly review' });
  });

  it('records a signature as a stage, a date and a milestone', async () => {
    await h.say('add Nissan');
    expect(await h.say('signed Nissan 2026-10-27')).toContain(
      'Recorded the signature with *Nissan* on Tue 27 Oct 2026 (31 days ago).',
    );
    expect(await h.store.partners.findByName(h.actor.workspaceId, 'Nissan')).toMatchObject({
      stage: 'signed',
      signedOn: '2026-10-27',
    });
    const [milestone] = await h.store.interactions.listForPartner(h.actor.workspaceId, 1);
    expect(milestone).toMatchObject({ kind: 'milestone', note: 'Contract signed' });
  });

  it('understands yesterday in the member’s own time zone', async () => {
    await h.store.members.updatePrefs(h.actor.workspaceId, 'ada', { timeZone: 'Asia/Tokyo' });
    await h.say('add Nissan');
    // 20:00Z on 27 Nov is already 28 Nov in Tokyo.
    await h.say('log Nissan call yesterday', new Date('2026-11-27T20:00:00Z'));
    const [call] = await h.store.interactions.listForPartner(h.actor.workspaceId, 1);
    expect(call?.occurredOn).toBe('2026-11-27');
  });

  it.each([
    ['an unknown command', 'frobnicate', /don't know the command “frobnicate”/],
    ['a mistyped command', 'staus Nissan', /Did you mean `status`/],
    ['add without a name', 'add', /Which partner\?[\s\S]*Usage: `partner add NAME \[STAGE\]`/],
    ['a duplicate partner', 'add nissan', /already here/],
    ['an over-long name', `add ${'x'.repeat(81)}`, /limit is 80/],
    ['log without a kind', 'log Nissan', /What kind of interaction/],
    ['an unknown kind', 'log Nissan dinner', /“dinner” is not a kind of interaction/],
    ['a mistyped kind', 'log Nissan vist', /Did you mean `visit`/],
    ['an impossible date', 'log Nissan call 2026-02-30', /could not read “2026-02-30” as a date/],
    ['a future date', 'log Nissan call 2027-01-01', /in the future/],
    ['an over-long note', `log Nissan note today ${'n'.repeat(2001)}`, /limit is 2000/],
    [
      'a name that matches nothing',
      'status Nisan',
      /don't know a partner called “Nisan”. Did you mean \*Nissan\*/,
    ],
    ['an unknown stage', 'stage Nissan dating', /“dating” is not a stage/],
    ['a bad snooze duration', 'snooze Nissan forever', /not a duration/],
    ['an unknown time zone', 'prefs tz Mars/Olympus', /not a time zone I know/],
    ['inverted working hours', 'prefs hours 18:00-09:00', /must start before they end/],
    ['unreadable working days', 'prefs days someday', /not days I can read/],
    ['an unclosed quote', 'add "Renault', /not closed/],
    ['an observation without a note', 'observe Nissan', /What did you observe/],
    ['a signature with junk after the date', 'signed Nissan 2026-10-27 maybe', /at most a date/],
  ])('answers %s with what was wrong, and writes nothing', async (_name, text, message) => {
    await h.say('add Nissan');
    const before = await h.counts();
    const member = await h.store.members.get(h.actor.workspaceId, 'ada');
    const result = await h.rapport.handleCommand(h.actor, text, h.now);
    expect(result.reply.isError).toBe(true);
    expect(`${result.reply.text}`).toMatch(message);
    expect(await h.counts()).toEqual(before);
    expect(await h.store.members.get(h.actor.workspaceId, 'ada')).toEqual(member);
  });

  it('answers an over-long message without parsing it', async () => {
    const result = await h.rapport.handleCommand(h.actor, `log ${'x'.repeat(5000)}`, h.now);
    expect(result.reply).toMatchObject({ isError: true, text: expect.stringContaining('too long') });
  });

  it('shows help for one command with examples', async () => {
    expect(await h.say('help log')).toMatch(
      /Usage: `partner log NAME KIND \[DATE\] \[NOTE…\]`[\s\S]*Examples/,
    );
  });

  it('offers the log form for an empty command once partners exist', async () => {
    expect((await h.rapport.handleCommand(h.actor, '', h.now)).openForm).toBeUndefined();
    await h.say('add Nissan');
    const result = await h.rapport.handleCommand(h.actor, '', h.now);
    expect(result.openForm?.id).toBe('log-interaction');
    expect(result.openForm?.fields.map((f) => f.id)).toEqual(['partner', 'kind', 'date', 'note', 'rating']);
  });

  it('sets working preferences and shows them', async () => {
    expect(await h.say('prefs tz Asia/Tokyo')).toContain('Time zone: Asia/Tokyo');
    expect(await h.say('prefs hours 08:30-17:30')).toContain('Working hours: 08:30–17:30');
    expect(await h.say('prefs days sun-thu')).toContain('Working days: Mon, Tue, Wed, Thu, Sun');
    expect(await h.store.members.get(h.actor.workspaceId, 'ada')).toMatchObject({
      timeZone: 'Asia/Tokyo',
      workStart: 510,
      workEnd: 1050,
      workingDays: [1, 2, 3, 4, 7],
    });
  });

  it('lets a member go back to the platform’s time zone with prefs tz auto', async () => {
    expect(await h.say('prefs tz Asia/Tokyo')).toContain('Asia/Tokyo (your choice');
    expect(await h.say('prefs tz auto')).toContain('follow your Slack or Teams profile');
    expect(await h.store.members.get(h.actor.workspaceId, 'ada')).toMatchObject({ timeZoneChosen: false });
  });

  it('lists partners with stage and last contact', async () => {
    await h.say('add Nissan');
    await h.say('log Nissan call 2026-11-25');
    expect(await h.say('list')).toContain('*Nissan* — exploring, last contact 2 days ago');
  });

  it('removes a partner only after confirmation, and only for an owner', async () => {
    await h.say('add Nissan');
    const confirm = await h.rapport.handleCommand(h.actor, 'remove Nissan', h.now);
    const removeId = confirm.reply.choices?.find((c) => c.label.startsWith('Remove'))?.id;
    expect(removeId).toBeDefined();
    expect((await h.counts()).partners).toBe(1);
    const { actor: other } = await h.rapport.identify('shell', 'local', { memberId: 'bob' }, h.now);
    expect((await h.rapport.handleChoice(other, removeId!, h.now)).reply.text).toMatch(
      /Only Nissan's owners/,
    );
    expect((await h.counts()).partners).toBe(1);
    await h.rapport.handleChoice(h.actor, removeId!, h.now);
    expect((await h.counts()).partners).toBe(0);
  });

  it('never lets one workspace see or change another’s partners', async () => {
    await h.say('add Nissan');
    const { actor: outsider } = await h.rapport.identify('slack', 'T-OTHER', { memberId: 'eve' }, h.now);
    expect(await h.say('status Nissan', h.now, outsider)).toMatch(/don't know a partner called “Nissan”/);
    expect(await h.say('log Nissan call', h.now, outsider)).toMatch(/don't know a partner/);
    const removeChoice = `p:1:remove`;
    expect((await h.rapport.handleChoice(outsider, removeChoice, h.now)).reply.text).toMatch(
      /no longer exists/,
    );
    expect(await h.counts()).toMatchObject({ partners: 1, interactions: 0 });
  });

  it('ignores a forged nudge id in a submitted form when the nudge is someone else’s', async () => {
    await h.say('add Nissan');
    const { actor: bob } = await h.rapport.identify('shell', 'local', { memberId: 'bob' }, h.now);
    await h.rapport.handleCommand(bob, 'add Mazda', h.now);
    const mazda = (await h.store.partners.findByName(h.actor.workspaceId, 'Mazda'))!;
    const { nudge } = await h.store.nudges.createIfAbsent({
      workspaceId: h.actor.workspaceId,
      partnerId: mazda.id,
      memberId: 'bob',
      ruleId: 'site-visit',
      occurrence: 'x',
      dueAt: h.now,
      deliverAfter: h.now,
      now: h.now,
    });
    const result = await h.rapport.submitForm(
      h.actor,
      'log-interaction',
      { partner: String(mazda.id), kind: 'visit', date: '2026-11-27' },
      { nudgeId: String(nudge.id) },
      h.now,
    );
    expect(result.ok).toBe(true);
    // Not answered as the form's own nudge; the visit it logged still does what Bob's nudge asked.
    expect(await h.store.nudges.get(h.actor.workspaceId, nudge.id)).toMatchObject({
      status: 'answered',
      answer: '_logged',
    });
    const [visit] = await h.store.interactions.listForPartner(h.actor.workspaceId, mazda.id, {
      kinds: ['visit'],
    });
    expect(visit).toMatchObject({ memberId: 'ada', nudgeId: null });
  });
});
