/**
 * The partner a piece of text (a chat message being logged) names: its longest run of words that is a
 * partner's name, the earliest of equally long ones. One query however long the text is.
 */
import type { Partner } from '../model';
import type { PartnerRepository } from '../ports';

/** Longest name tried, in words, and how much of a long text is read. */
const MAX_NAME_WORDS = 6;
const MAX_WORDS = 400;

/** Runs of words in `text`, longest first, then by where they start; punctuation around words dropped. */
export function nameCandidates(text: string): string[] {
  const words = text
    .split(/\s+/)
    .map((word) => word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}.)]+$/gu, ''))
    .filter(Boolean)
    .slice(0, MAX_WORDS);
  const candidates = new Set<string>();
  for (let length = Math.min(MAX_NAME_WORDS, words.length); length >= 1; length--) {
    for (let start = 0; start + length <= words.length; start++) {
      candidates.add(words.slice(start, start + length).join(' '));
      // A name ending in a full stop is rare; a sentence ending right after one is not.
      const last = words[start + length - 1]!;
      if (last.endsWith('.'))
        candidates.add([...words.slice(start, start + length - 1), last.slice(0, -1)].join(' '));
    }
  }
  return [...candidates];
}

export async function partnerNamedIn(
  partners: PartnerRepository,
  workspaceId: string,
  text: string,
): Promise<Partner | null> {
  const candidates = nameCandidates(text);
  if (candidates.length === 0) return null;
  return (await partners.findFirstNamed(workspaceId, candidates))?.partner ?? null;
}
