import fc from 'fast-check';
import {
  blockTextLength,
  clip,
  escapeMrkdwn,
  mrkdwn,
  renderHomeView,
  renderMessage,
  SLACK_LIMITS,
  splitText,
} from '../../../src/channels/slack/block-kit';
import {
  decodeMetadata,
  encodeMetadata,
  readViewValues,
  renderModal,
  searchActionId,
  searchOf,
  suggestionOptions,
  viewErrors,
} from '../../../src/channels/slack/block-kit-forms';
import type { Choice, Form, Message } from '../../../src/core/messages';
import { logForm } from '../../../src/core/views';
import type { Partner } from '../../../src/core/model';

type AnyBlock = {
  type: string;
  text?: { type: string; text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{
    type: string;
    action_id?: string;
    value?: string;
    text?: { text: string };
    options?: Array<{ value: string; text: { text: string } }>;
  }>;
};

/** Every Slack limit a rendered message must respect. */
function limitViolations(blocks: AnyBlock[], maxBlocks: number): string[] {
  const problems: string[] = [];
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks`);
  const actionIds = new Set<string>();
  const choiceIds = new Set<string>();
  for (const block of blocks) {
    if (
      block.type === 'header' &&
      (block.text!.text.length > SLACK_LIMITS.headerText || !block.text!.text.trim())
    )
      problems.push('header');
    if (block.type === 'section') {
      if (block.text && (block.text.text.length > SLACK_LIMITS.sectionText || block.text.text.trim() === ''))
        problems.push('section text');
      if (block.fields && block.fields.length > SLACK_LIMITS.fieldsPerSection) problems.push('field count');
      if (block.fields?.some((f) => f.text.length > SLACK_LIMITS.fieldText)) problems.push('field text');
    }
    if (block.type === 'context') {
      const texts = block.elements!.map((e) => (e as unknown as { text: string }).text);
      if (texts.length > 10 || texts.some((t) => t.length > 3000 || t.trim() === ''))
        problems.push('context');
    }
    if (block.type === 'actions') {
      if (block.elements!.length > SLACK_LIMITS.actionsElements) problems.push('actions count');
      for (const element of block.elements!) {
        if (element.action_id!.length > SLACK_LIMITS.actionId) problems.push('action_id');
        if (actionIds.has(element.action_id!)) problems.push(`duplicate ${element.action_id}`);
        actionIds.add(element.action_id!);
        if (element.type === 'overflow') {
          const options = element.options!;
          if (options.length < 2 || options.length > SLACK_LIMITS.overflowOptions) problems.push('menu size');
          for (const option of options) {
            if (option.text.text.length > SLACK_LIMITS.optionText) problems.push('option text');
            if (option.value.length > SLACK_LIMITS.optionValue) problems.push('option value');
            // A choice is offered once, as a button or in a menu.
            if (choiceIds.has(option.value)) problems.push(`duplicate choice ${option.value}`);
            choiceIds.add(option.value);
          }
          continue;
        }
        if (element.text!.text.length > SLACK_LIMITS.buttonText) problems.push('button text');
        if (element.value!.length > SLACK_LIMITS.actionId) problems.push('value');
        if (choiceIds.has(element.value!)) problems.push(`duplicate choice ${element.value}`);
        choiceIds.add(element.value!);
      }
    }
  }
  return problems;
}

const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max, size: 'large' });
const choice: fc.Arbitrary<Choice> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 300 }),
  label: text(200),
  style: fc.constantFrom(undefined, 'primary' as const, 'danger' as const),
  secondary: fc.constantFrom(undefined, true as const),
});
const message: fc.Arbitrary<Message> = fc.record(
  {
    title: text(400),
    text: text(9000),
    facts: fc.array(fc.record({ label: text(100), value: text(3000) }), { maxLength: 25, size: 'large' }),
    sections: fc.array(
      fc.record(
        {
          title: text(200),
          lines: fc.array(text(500), { maxLength: 12 }),
          choices: fc.array(choice, { maxLength: 4 }),
        },
        { requiredKeys: ['lines'] },
      ),
      { maxLength: 80, size: 'large' },
    ),
    choices: fc.array(choice, { maxLength: 40, size: 'large' }),
    footer: text(4000),
    isError: fc.boolean(),
  },
  { requiredKeys: ['text'] },
);

describe('Block Kit rendering', () => {
  it('keeps any message within Slack’s limits', () => {
    fc.assert(
      fc.property(message, (m) => {
        const rendered = renderMessage(m);
        expect(limitViolations(rendered.blocks as AnyBlock[], SLACK_LIMITS.messageBlocks)).toEqual([]);
        expect(blockTextLength(rendered.blocks)).toBeLessThanOrEqual(SLACK_LIMITS.messageTextTotal);
        expect(rendered.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
        expect(rendered.text.length).toBeGreaterThan(0);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps any dashboard within the Home tab’s 100 blocks', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(limitViolations(renderHomeView(m).blocks as AnyBlock[], SLACK_LIMITS.viewBlocks)).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('renders title, text, facts, sections, buttons and footer in order', () => {
    const rendered = renderMessage({
      title: 'Nissan — 30 days since signing',
      text: 'How is the *collaboration* going?',
      facts: [{ label: 'Stage', value: 'signed' }],
      sections: [{ title: 'Recent', lines: ['a', 'b'], choices: [{ id: 'p:1:log', label: 'Log' }] }],
      choices: [{ id: 'n:1:well', label: 'Going well', style: 'primary' }],
      footer: 'Keep investing after the contract is signed.',
    });

    expect(rendered.blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'actions',
      'actions',
      'context',
    ]);
    expect(rendered.blocks[4]).toMatchObject({
      elements: [{ type: 'button', action_id: 'p:1:log', value: 'p:1:log', text: { text: 'Log' } }],
    });
    expect(rendered.blocks[5]).toMatchObject({
      elements: [{ action_id: 'n:1:well', style: 'primary', text: { text: 'Going well' } }],
    });
    expect(rendered.text).toBe('*Nissan — 30 days since signing*\nHow is the *collaboration* going?');
  });

  it('escapes Slack’s control characters in text that came from members', () => {
    const rendered = renderMessage({ text: 'Added *A&B <Partners>*' });

    expect(rendered.blocks[0]).toMatchObject({ text: { text: 'Added *A&amp;B &lt;Partners&gt;*' } });
    expect(escapeMrkdwn('<!channel>')).toBe('&lt;!channel&gt;');
  });

  describe('members’ formatting markers', () => {
    const inert = (marker: string): string => `\u200B${marker}\u200B`;

    it.each([
      ['the core’s bold and code', 'Added *Renault Group*. Undo with `undo`.'],
      ['the core’s bold next to punctuation', 'Did you mean *Nissan*, *Toyota*? *Nissan*’s owners: *Asha*.'],
      ['a marker inside a word', 'Set ALLOW_GUESTS=true for Acme_Labs and 2*3.'],
    ])('keeps %s as it is', (_what, text) => {
      expect(mrkdwn(text)).toBe(text);
    });

    it.each([
      [
        'italics and strike-through',
        '_x_ and ~y~',
        `${inert('_')}x${inert('_')} and ${inert('~')}y${inert('~')}`,
      ],
      [
        'a name the core makes bold',
        'Added **b*_i_* (exploring).',
        `Added *${inert('*')}b${inert('*')}${inert('_')}i${inert('_')}* (exploring).`,
      ],
      ['an unpaired asterisk or backtick', 'a *b and `c', `a ${inert('*')}b and ${inert('`')}c`],
      [
        'links and mentions',
        '<!channel> & <https://evil.example|x>',
        '&lt;!channel&gt; &amp; &lt;https://evil.example|x&gt;',
      ],
    ])('makes %s inert', (_what, text, shown) => {
      expect(mrkdwn(text)).toBe(shown);
    });

    it('shows text inside the core’s code as typed', () => {
      expect(mrkdwn('`status _x_ *y*`')).toBe('`status _x_ *y*`');
    });

    it('writes the commands the core suggests as Slack’s slash command', () => {
      expect(mrkdwn('See `partner status "Renault Group"`, or `partner` alone.')).toBe(
        'See `/partner status "Renault Group"`, or `/partner` alone.',
      );
      expect(mrkdwn('`partner log _x_ *y*`')).toBe('`/partner log _x_ *y*`');
      // Only a command: other code, a word that merely starts alike, and plain text stay as they are.
      expect(mrkdwn('`prefs tz auto`, `partners`, partner log')).toBe(
        '`prefs tz auto`, `partners`, partner log',
      );
      expect(renderMessage({ text: 'Try `partner help`.' }).text).toBe('Try `/partner help`.');
    });
  });

  it('marks an error reply so it reads as one', () => {
    const rendered = renderMessage({ text: 'That is not a date.', isError: true });

    expect(rendered.blocks[0]).toMatchObject({ text: { text: ':warning: That is not a date.' } });
  });

  it('leaves out sections that do not fit and says how many', () => {
    const sections = Array.from({ length: 70 }, (_, i) => ({ title: `Partner ${i}`, lines: ['line'] }));
    const rendered = renderMessage({ text: 'x', sections, choices: [{ id: 'log:open', label: 'Log' }] });

    expect(rendered.blocks).toHaveLength(50);
    expect(rendered.blocks[rendered.blocks.length - 1]!.type).toBe('actions');
    expect(JSON.stringify(rendered.blocks)).toContain('and 23 more not shown');
  });

  it('keeps the first lines of a section too long for one message, and says how many more', () => {
    const lines = Array.from(
      { length: 400 },
      (_, i) => `🔴 23/100 *Partner ${i}* — negotiating, no contact logged; next: Joint workshop in 3 days`,
    );
    const rendered = renderMessage({
      title: 'Partners',
      text: 'Where each relationship stands.',
      sections: [
        { title: 'Your partners (400), what needs attention first', lines },
        { title: 'Others in this workspace (2)', lines: ['Nissan, Toyota'] },
      ],
      footer: 'Names with spaces go in quotes.',
    });

    const all = JSON.stringify(rendered.blocks);
    expect(blockTextLength(rendered.blocks)).toBeLessThanOrEqual(SLACK_LIMITS.messageTextTotal);
    expect(all).toContain('*Your partners (400), what needs attention first*\\n🔴 23/100 *Partner 0*');
    const shownLines = (all.match(/\*Partner \d+\*/g) ?? []).length;
    expect(shownLines).toBeGreaterThan(50);
    expect(all).toContain(`…and ${400 - shownLines} more.`);
    expect(all).toContain('…and 1 more not shown here.');
    expect(all).not.toContain('Others in this workspace');
    expect(rendered.blocks[rendered.blocks.length - 1]).toMatchObject({ type: 'context' });
    expect(all).toContain('Names with spaces go in quotes.');
  });

  it('keeps a nudge’s buttons when its text is far too long', () => {
    const choices = [
      { id: 'n:1:well', label: 'Going well' },
      { id: 'n:1:_dismiss', label: 'Dismiss' },
    ];
    const rendered = renderMessage({
      title: 'Nissan',
      text: 'word '.repeat(6000),
      facts: Array.from({ length: 30 }, (_, i) => ({ label: `Fact ${i}`, value: 'v'.repeat(1500) })),
      choices,
    });

    expect(blockTextLength(rendered.blocks)).toBeLessThanOrEqual(SLACK_LIMITS.messageTextTotal);
    expect(rendered.blocks[rendered.blocks.length - 1]).toMatchObject({
      type: 'actions',
      elements: [{ action_id: 'n:1:well' }, { action_id: 'n:1:_dismiss' }],
    });
    expect(limitViolations(rendered.blocks as AnyBlock[], SLACK_LIMITS.messageBlocks)).toEqual([]);
  });

  it('puts secondary choices in an overflow menu after the buttons, each option’s value its choice id', () => {
    const rendered = renderMessage({
      text: 'How is it going?',
      choices: [
        { id: 'n:1:well', label: 'Going well', style: 'primary' },
        { id: 'n:1:_snooze1d', label: 'Snooze 1 day', secondary: true },
        { id: 'n:1:stuck', label: 'Stuck' },
        { id: 'n:1:_snooze1w', label: 'Snooze 1 week', secondary: true },
        { id: 'n:1:_dismiss', label: 'Dismiss', secondary: true },
      ],
    });

    const actions = rendered.blocks.find((b) => b.type === 'actions') as AnyBlock;
    expect(actions.elements).toEqual([
      expect.objectContaining({ type: 'button', action_id: 'n:1:well', style: 'primary' }),
      expect.objectContaining({ type: 'button', action_id: 'n:1:stuck' }),
      {
        type: 'overflow',
        action_id: 'more:n:1:_snooze1d',
        options: [
          { value: 'n:1:_snooze1d', text: { type: 'plain_text', text: 'Snooze 1 day', emoji: true } },
          { value: 'n:1:_snooze1w', text: { type: 'plain_text', text: 'Snooze 1 week', emoji: true } },
          { value: 'n:1:_dismiss', text: { type: 'plain_text', text: 'Dismiss', emoji: true } },
        ],
      },
    ]);
    expect(limitViolations(rendered.blocks as AnyBlock[], SLACK_LIMITS.messageBlocks)).toEqual([]);
  });

  it('keeps a lone secondary choice a button, and splits more than five into menus of two to five', () => {
    const secondary = (n: number): Choice[] =>
      Array.from({ length: n }, (_, i) => ({ id: `n:1:s${i}`, label: `S${i}`, secondary: true as const }));
    const elements = (choices: Choice[]) =>
      (renderMessage({ text: 'x', choices }).blocks.find((b) => b.type === 'actions') as AnyBlock).elements!;

    expect(elements(secondary(1)).map((e) => e.type)).toEqual(['button']);
    expect(elements(secondary(6)).map((e) => e.options?.length)).toEqual([3, 3]);
    expect(elements(secondary(11)).map((e) => e.options?.length)).toEqual([4, 4, 3]);
    // A choice id too long for an option's value stays a button.
    const long = { id: `n:1:${'x'.repeat(200)}`, label: 'Long', secondary: true as const };
    expect(elements([...secondary(2), long]).map((e) => [e.type, e.options?.length])).toEqual([
      ['button', undefined],
      ['overflow', 2],
    ]);
  });

  it('breaks a line longer than a section at a space', () => {
    const names = Array.from({ length: 400 }, (_, i) => `Partner number ${i}`).join(', ');
    const chunks = splitText(names, SLACK_LIMITS.sectionText);

    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(names);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith(' ')).toBe(true);
  });

  it('splits long text at line breaks and never inside an entity', () => {
    expect(splitText('a\nb', 3)).toEqual(['a\nb']);
    expect(splitText('aa\nbb', 3)).toEqual(['aa', 'bb']);
    expect(splitText('ab&amp;', 5)).toEqual(['ab', '&amp;']);
    expect(splitText('&amp;&amp;', 3).join('')).toBe('&amp;&amp;');
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('ab&amp;cd', 5)).toBe('ab…');
  });
});

describe('Block Kit modals', () => {
  const partners = Array.from(
    { length: 120 },
    (_, i) => ({ id: i + 1, name: `Partner ${i + 1} ${'x'.repeat(i === 0 ? 100 : 0)}` }) as Partner,
  );
  const form: Form = logForm(partners.slice(0, 100), { partnerId: 1, kind: 'visit', date: '2026-03-02' });

  it('renders a form as a modal within Slack’s limits', () => {
    const view = renderModal(
      { ...form, title: 'A title much longer than twenty-four characters' },
      { channel: 'C1' },
    );

    expect(view.callback_id).toBe('log-interaction');
    expect(view.title.text.length).toBeLessThanOrEqual(SLACK_LIMITS.modalTitle);
    const [partner, kind, date] = view.blocks as Array<{
      element: {
        type: string;
        action_id: string;
        options?: unknown[];
        initial_option?: { value: string; text: { text: string } };
        initial_date?: string;
      };
    }>;
    // The partner picker is a type-ahead, the partner in context chosen.
    expect(partner!.element).toMatchObject({ type: 'external_select', action_id: 'search:partners' });
    expect(partner!.element.options).toBeUndefined();
    expect(partner!.element.initial_option?.value).toBe('1');
    expect(partner!.element.initial_option?.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.optionText);
    expect(kind!.element.initial_option?.value).toBe('visit');
    expect(date!.element.initial_date).toBe('2026-03-02');
    expect(decodeMetadata(view.private_metadata)).toEqual({ channel: 'C1' });
  });

  it('makes the partner picker a type-ahead when there are more partners than a select holds', () => {
    const view = renderModal(logForm(partners, { partnerId: 120, date: '2026-03-02' }));

    expect(view.blocks[0]).toEqual({
      type: 'input',
      block_id: 'partner',
      label: { type: 'plain_text', text: 'Partner', emoji: true },
      optional: false,
      element: {
        type: 'external_select',
        action_id: searchActionId('partners'),
        min_query_length: 0,
        placeholder: { type: 'plain_text', text: 'Type to search…', emoji: true },
        initial_option: { value: '120', text: { type: 'plain_text', text: 'Partner 120 ', emoji: true } },
      },
    });
    expect(searchOf(searchActionId('partners'))).toBe('partners');
    expect(searchOf('partner')).toBeNull();
    // The other selects keep their options.
    expect(view.blocks[1]).toMatchObject({ block_id: 'kind', element: { type: 'static_select' } });
  });

  it('answers a type-ahead with at most 100 options within Slack’s limits', () => {
    const options = suggestionOptions([
      ...partners.map((p) => ({ value: String(p.id), label: p.name })),
      { value: 'v'.repeat(151), label: 'too long a value' },
    ]);

    expect(options).toHaveLength(100);
    expect(options[0]!.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.optionText);
    expect(suggestionOptions([{ value: 'v'.repeat(151), label: 'x' }])).toEqual([]);
  });

  it('shows a select without options as a note instead of an input Slack would refuse', () => {
    const view = renderModal(logForm([], { date: '2026-03-02' }));

    expect(view.blocks[0]).toMatchObject({ type: 'section', block_id: 'partner' });
  });

  it('reads every input type back by block id, leaving empty inputs out', () => {
    expect(
      readViewValues({
        partner: { partner: { type: 'static_select', selected_option: { value: '7' } } },
        date: { date: { type: 'datepicker', selected_date: '2026-03-01' } },
        note: { note: { type: 'plain_text_input', value: 'Hello' } },
        rating: { rating: { type: 'static_select', selected_option: null } },
        empty: { empty: { type: 'plain_text_input', value: '' } },
        many: { many: { type: 'checkboxes', selected_options: [{ value: 'a' }, { value: 'b' }] } },
      }),
    ).toEqual({ partner: '7', date: '2026-03-01', note: 'Hello', many: 'a,b' });
    expect(readViewValues(null)).toEqual({});
  });

  it('keeps private_metadata under 3000 characters', () => {
    const long = encodeMetadata({ context: { nudgeId: '1' }, channel: 'C'.repeat(4000) });

    expect(long.length).toBeLessThanOrEqual(SLACK_LIMITS.privateMetadata);
    expect(decodeMetadata(long)).toEqual({ context: { nudgeId: '1' } });
    expect(decodeMetadata('{"context":{"nudgeId":5}}')).toEqual({ context: {} });
  });

  it('keys errors by input block and moves the others onto the first input', () => {
    const blocks = [
      { type: 'input', block_id: 'partner' },
      { type: 'input', block_id: 'kind' },
    ];

    expect(viewErrors({ kind: 'Choose.', form: 'Start again.' }, blocks)).toEqual({
      kind: 'Choose.',
      partner: 'Start again.',
    });
    expect(viewErrors({ form: 'x' }, [])).toEqual({});
  });
});
