/**
 * Owners found among the members Rapport already knows (the command line's resolver): by the e-mail
 * address their platform reported, or by member id (`U024BE7LH` in Slack, an Entra object id in Teams,
 * `local` in the terminal).
 */
import type { Member } from '../model';
import type { MemberRepository } from '../ports';
import type { OwnerResolver } from './import-plan';

export function knownMemberOwners(members: MemberRepository, workspaceId: string): OwnerResolver {
  return {
    async membersByEmail(emails) {
      const known = await members.listByWorkspace(workspaceId);
      const byEmail = new Map(known.filter((m) => m.email).map((m) => [m.email!.toLowerCase(), m.id]));
      return new Map(emails.map((email) => [email, byEmail.get(email.toLowerCase()) ?? null]));
    },
  };
}

/** The member an e-mail address or a member id names, among `members`. */
export function memberNamed(members: readonly Member[], text: string): Member | null {
  const wanted = text.trim().toLowerCase();
  return members.find((m) => m.id === text.trim() || (m.email && m.email === wanted)) ?? null;
}
