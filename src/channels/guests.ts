/**
 * Guests (Slack single- and multi-channel guests, Teams guest accounts) are people from outside the
 * organisation invited into a few conversations. Rapport holds the organisation's partner relationships, so
 * they are refused unless the operator admits them with `ALLOW_GUESTS=true`; what they are told is this.
 */
export const GUESTS_REFUSED =
  'Rapport here is for members of your organisation; guests cannot use it, so I did nothing. ' +
  'If guests should be able to use it, ask whoever runs Rapport to set ALLOW_GUESTS=true.';

/** Said when whether someone is a guest could not be checked just now. */
export const MEMBERSHIP_UNCONFIRMED =
  'I could not confirm just now that you are a member of this organisation, so I did nothing. ' +
  'Please try again in a minute.';
