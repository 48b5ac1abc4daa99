import fc from 'fast-check';
import { checkPartnerName } from '../../src/core/commands/arguments';
import { tokenize } from '../../src/core/commands/grammar';
import { quoteName } from '../../src/core/insight-views';
import { renderInline, renderText } from '../../src/channels/shell/render-text';

const TERMINAL = { color: false, bareCommands: true };

describe('rendering core markup as text', () => {
  it('shows suggested commands without the partner prefix in the terminal, and with it elsewhere', () => {
    const text = 'Add it first with `partner add NAME`, or see them with `/partner list`.';
    expect(renderInline(text, TERMINAL)).toBe('Add it first with add NAME, or see them with list.');
    expect(renderInline(text, { color: false })).toBe(
      'Add it first with partner add NAME, or see them with /partner list.',
    );
  });

  it('emphasises *bold* outside code spans only', () => {
    expect(renderInline('*Next step:* `partner log *Star* visit`', { color: true, bareCommands: true })).toBe(
      '\x1b[1mNext step:\x1b[22m log *Star* visit',
    );
  });

  it('keeps a lone backtick as a character', () => {
    expect(renderInline('a ` b *c*', TERMINAL)).toBe('a ` b c');
  });

  it('numbers choices and says how to answer', () => {
    expect(renderText({ text: 'Pick one', choices: [{ id: 'p:1:status', label: 'Status' }] }, TERMINAL)).toBe(
      'Pick one\n\n  1) Status\nAnswer with a number.',
    );
  });

  const addableName = fc
    .string({
      unit: fc.constantFrom('a', 'Z', 'é', ' ', '*', '_', '~', '`', '"', "'", '\\', '-'),
      minLength: 1,
      maxLength: 30,
    })
    .filter((name) => name === name.trim() && checkPartnerName(name) === null);

  it('shows a suggested command for any name exactly as it must be typed back', () => {
    fc.assert(
      fc.property(addableName, (name) => {
        const hint = `*Next step:* a visit (+10) — \`partner log ${quoteName(name)} visit\`. Or \`partner help\`.`;
        const shown = renderInline(hint, TERMINAL);
        expect(shown).toBe(`Next step: a visit (+10) — log ${quoteName(name)} visit. Or help.`);
        const typed = shown.slice(shown.indexOf('— ') + 2, shown.lastIndexOf('. Or'));
        expect(tokenize(typed)).toMatchObject({ ok: true, tokens: ['log', name, 'visit'] });
      }),
      { numRuns: 1000 },
    );
  });
});
