/** The signature's confirmation fits the dates: no "within 45 days" for a signature a year old. */
import { signedMessage } from '../../src/core/features/partners';
import { DEFAULT_PLAYBOOK } from '../../src/core/playbook/playbook';

const TODAY = '2026-11-27';

describe('the signature confirmation', () => {
  it.each([
    [
      'signed today: the whole series of reviews, and the workshop window',
      '2026-11-27',
      false,
      'Signed with *Nissan* today. Congratulations — this is where the real work starts. I will check in 7, 30, 60 and 100 days after signing, then every quarter.',
      'By Mon 11 Jan 2027, hold a joint workshop to design the collaboration together.',
    ],
    [
      'backdated ten days: the reviews still ahead, the first one counted from the real date',
      '2026-11-17',
      false,
      'Recorded the signature with *Nissan* on Tue 17 Nov 2026 (10 days ago). I will check in 30, 60 and 100 days after signing (the first in 20 days), then every quarter.',
      'By Fri 1 Jan 2027, hold a joint workshop to design the collaboration together.',
    ],
    [
      'backdated a year: no congratulations, no 45-day window, the workshop still suggested',
      '2025-11-27',
      false,
      'Recorded the signature with *Nissan* on Thu 27 Nov 2025 (365 days ago). Its first reviews are behind it: I will ask how the collaboration is going now, then every quarter.',
      'No joint workshop on record: designing the collaboration together is still the best next step.',
    ],
    [
      'backdated a year with a workshop on record: nothing more to ask',
      '2025-11-27',
      true,
      'Recorded the signature with *Nissan* on Thu 27 Nov 2025 (365 days ago). Its first reviews are behind it: I will ask how the collaboration is going now, then every quarter.',
      undefined,
    ],
  ])('%s', (_name, signedOn, workshop, text, footer) => {
    expect(signedMessage('Nissan', signedOn, TODAY, DEFAULT_PLAYBOOK, workshop)).toEqual({ text, footer });
  });
});
