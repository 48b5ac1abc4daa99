import { nameCandidates } from '../../../src/core/features/partner-guess';
import { htmlToText, readMessage } from '../../../src/channels/teams/message-extension';
import { guessMessageKind } from '../../../src/channels/teams/message-kind';

describe('what "Log to partner" reads from a message', () => {
  it('guesses the partner from runs of words, longest first, punctuation dropped', () => {
    expect(nameCandidates('Met "Renault Group", then Nissan.').slice(0, 3)).toEqual([
      'Met Renault Group then Nissan.',
      'Met Renault Group then Nissan',
      'Met Renault Group then',
    ]);
    expect(nameCandidates('Met "Renault Group", then Nissan.')).toEqual(
      expect.arrayContaining(['Renault Group', 'Nissan']),
    );
  });

  it('guesses a call, a meeting or a note', () => {
    expect(guessMessageKind('Quick call with their CTO')).toBe('call');
    expect(guessMessageKind('Lunch at their HQ, then we called legal')).toBe('meeting');
    expect(guessMessageKind('They sent the draft contract')).toBe('note');
  });

  it('strips HTML and keeps the link within the note limit', () => {
    expect(htmlToText('<div>A&nbsp;&lt;b&gt;<br/>B &#x2014; C</div><script>x()</script>')).toBe(
      'A <b>\nB — C',
    );
    const long = readMessage({
      body: { contentType: 'text', content: 'x'.repeat(5_000) },
      linkToMessage: 'https://teams.microsoft.com/l/message/1',
      createdDateTime: 'not a date',
    });
    expect(long.note).toHaveLength(2000);
    expect(long.note.endsWith('…\nhttps://teams.microsoft.com/l/message/1')).toBe(true);
    expect(long.sentAt).toBeNull();
    expect(readMessage({ body: { content: 'hi' }, linkToMessage: 'javascript:alert(1)' }).note).toBe('hi');
  });
});
