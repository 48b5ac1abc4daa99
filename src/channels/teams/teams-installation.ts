/**
 * The bot removed or added back (`installationUpdate`, action `remove` / `add`; upgrades change nothing):
 *
 * - in a member's personal scope: that member's nudges and digests stop until they add the app again;
 * - in a team: the members Rapport reaches through that team (their 1:1 chat is opened through it) stop
 *   the same way, until the team adds the app again.
 *
 * Nothing is sent in answer: after a removal there is nobody to send it to.
 */
import type { TurnContext } from 'botbuilder';
import { describeError } from '../../core/errors';
import type { Address } from '../../core/model';
import type { Logger } from '../../core/ports';
import type { Rapport } from '../../core/rapport';
import { isPersonal, memberIdOf, readTeamsAddress, teamIdOf, tenantOf } from './teams-address';

export interface InstallationUpdateDeps {
  rapport: Rapport;
  logger: Logger;
  clock: () => Date;
}

/** Whether a stored address reaches its member through `teamId`. */
export function reachedThroughTeam(address: Address | null, teamId: string): boolean {
  const payload = address ? readTeamsAddress(address) : null;
  return payload?.kind === 'create-personal' && payload.teamId === teamId;
}

export async function handleInstallationUpdate(
  context: TurnContext,
  deps: InstallationUpdateDeps,
): Promise<void> {
  const { activity } = context;
  const action = String(activity.action ?? '');
  if (action !== 'add' && action !== 'remove') return;
  const tenant = tenantOf(activity);
  if (!tenant.ok) return;
  const removed = action === 'remove';
  const { rapport, logger } = deps;
  try {
    let scope: 'personal' | 'team';
    let memberIds: string[];
    if (isPersonal(activity)) {
      scope = 'personal';
      const memberId = memberIdOf(activity.from);
      memberIds = memberId ? [memberId] : [];
    } else {
      const teamId = teamIdOf(activity);
      if (!teamId) return;
      scope = 'team';
      const members = await rapport.installations.members('teams', tenant.tenantId);
      memberIds = members.filter((member) => reachedThroughTeam(member.address, teamId)).map((m) => m.id);
    }
    const changed = await rapport.installations.membersRemovedApp(
      'teams',
      tenant.tenantId,
      memberIds,
      removed,
      deps.clock(),
    );
    logger.info(
      { tenant: tenant.tenantId, scope, action, members: changed },
      removed
        ? 'Rapport was removed in Teams; those members’ nudges stop'
        : 'Rapport was added back in Teams',
    );
  } catch (error) {
    logger.error({ err: describeError(error) }, 'could not record a Teams installation update');
    throw error;
  }
}
