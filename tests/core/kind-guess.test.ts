import { guessKind } from '../../src/core/kind-guess';

describe('guessKind', () => {
  it.each([
    ['Quick call with Ana about pricing', 'call'],
    ['I dialled in to their weekly sync', 'call'],
    ['Zoom with the Nissan purchasing team', 'call'],
    ['CALLED their CFO this morning', 'call'],
    ['Phoned Kenji to confirm the date', 'call'],
    ['Met Kenji at the Yokohama plant', 'meeting'],
    ['Great meeting with their board', 'meeting'],
    ['Lunch with the alliance team', 'meeting'],
    ['Site visit next to the assembly line', 'meeting'],
    ['They sent the revised contract', 'note'],
    ['Recalled the metrics from last quarter', 'note'],
    ['Zoomed into the numbers: metal costs are up', 'note'],
    ['', 'note'],
    ['Met for lunch, then a call with legal', 'meeting'],
    ['Call first, then we met for dinner', 'call'],
  ])('reads “%s” as %s', (text, kind) => {
    expect(guessKind(text)).toBe(kind);
  });
});
