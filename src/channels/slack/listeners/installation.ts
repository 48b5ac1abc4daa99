/**
 * Binds every request (commands, actions, view submissions, events; over HTTP or Socket Mode) to the
 * installation the bot token belongs to, before any listener runs. One app may be installed in many
 * workspaces with one signing secret, and Slack Connect brings people from other organisations into a
 * workspace's channels, so a correctly signed request is not enough: it is served only when
 *
 * - it comes from the installed team (for an org-wide install, from the installed organisation), and
 * - its user is at home there: `user.team_id` where the payload has it, and `users.info` (not a
 *   stranger, in the installed team or organisation) on first sight;
 * - its user is not a single- or multi-channel guest (`users.info`), unless `ALLOW_GUESTS` is set.
 *
 * Anyone else gets a short ephemeral answer (a notice in the modal for a form) saying why, events are
 * dropped, and nothing is stored.
 */
import type { AnyMiddlewareArgs, App, Context, Middleware, RespondFn, webApi } from '@slack/bolt';
import { describeError } from '../../../core/errors';
import { renderNoticeModal } from '../block-kit';
import type { Message } from '../../../core/messages';
import type { Admission, SlackInstallation } from '../slack-identity';
import { servingInstallation } from '../workspace-identities';
import type { SlackDeps } from './shared';

type WebClient = webApi.WebClient;
import { ephemeral, GUEST, OUTSIDER } from './shared';

/**
 * With one bot token, `installation` is the one `auth.test` named; with OAuth (null), each request is bound
 * to the installation Bolt authorized it for, and served as that workspace (`workspace-identities.ts`).
 */
export function register(app: App, deps: SlackDeps, installation: SlackInstallation | null): void {
  app.use(deps.track(onlyTheInstallation(deps, installation)));
}

/** The installation Bolt authorized a request for (OAuth): the ids it put in the context. */
export function authorizedInstallation(
  context: Pick<Context, 'teamId' | 'enterpriseId' | 'isEnterpriseInstall'>,
): SlackInstallation {
  return {
    teamId: context.teamId ?? null,
    enterpriseId: context.enterpriseId ?? null,
    isEnterpriseInstall: context.isEnterpriseInstall === true,
  };
}

/** What a request says about where it comes from and who sent it. */
export interface RequestOrigin {
  /** Every team id the request names for itself (not the teams of other things it mentions). */
  teamIds: string[];
  enterpriseIds: string[];
  userId: string | null;
  /** The acting user's own team, where the payload says. */
  userTeamId: string | null;
}

/** Reads a request's origin from its body and the ids Bolt derived from it. */
export function requestOrigin(
  body: unknown,
  context: Pick<Context, 'teamId' | 'enterpriseId'>,
): RequestOrigin {
  const b = record(body);
  const team = record(b.team);
  const user = record(b.user);
  const view = record(b.view);
  const event = record(b.event);
  const enterprise = record(b.enterprise);
  const teamIds = ids(context.teamId, b.team_id, team.id, view.team_id, view.app_installed_team_id);
  const enterpriseIds = ids(context.enterpriseId, b.enterprise_id, enterprise.id, team.enterprise_id);
  // Commands name the user flat; interactive payloads as an object; events inside the event.
  const userId = text(b.user_id) ?? text(user.id) ?? text(event.user);
  const userTeamId = text(user.team_id) ?? text(event.user_team);
  return { teamIds, enterpriseIds, userId, userTeamId };
}

/** Whether the request's own ids place it, and its user, in the installation. */
export function fromInstallation(installation: SlackInstallation, origin: RequestOrigin): boolean {
  if (installation.isEnterpriseInstall) {
    // The user's team is one of the organisation's many; users.info tells their organisation.
    const org = installation.enterpriseId;
    return !!org && origin.enterpriseIds.length > 0 && origin.enterpriseIds.every((id) => id === org);
  }
  const team = installation.teamId;
  if (!team || origin.teamIds.length === 0 || origin.teamIds.some((id) => id !== team)) return false;
  if (origin.userTeamId !== null && origin.userTeamId !== team) return false;
  // Team ids are unique across Slack; an organisation named beside the right team must still be ours.
  const org = installation.enterpriseId;
  return !org || origin.enterpriseIds.every((id) => id === org);
}

function onlyTheInstallation(
  deps: SlackDeps,
  installed: SlackInstallation | null,
): Middleware<AnyMiddlewareArgs> {
  return async function onlyThisWorkspace(args): Promise<void> {
    const installation = installed ?? authorizedInstallation(args.context);
    await servingInstallation(installation, () => admitOrRefuse(deps, installation, args));
  };
}

async function admitOrRefuse(
  deps: SlackDeps,
  installation: SlackInstallation,
  args: AnyMiddlewareArgs & { next: () => Promise<void>; context: Context; client: WebClient },
): Promise<void> {
  const { body, context, client, next } = args;
  const origin = requestOrigin(body, context);
  let admission: Admission = 'outsider';
  if (fromInstallation(installation, origin)) {
    admission =
      origin.userId === null
        ? 'member'
        : await deps.identities.admits(
            client,
            origin.userId,
            deps.clock(),
            !installation.isEnterpriseInstall && origin.userTeamId === installation.teamId,
          );
  }
  if (admission === 'member') {
    await next();
    return;
  }
  deps.logger.warn(
    {
      team: origin.teamIds[0],
      enterprise: origin.enterpriseIds[0],
      user: origin.userId,
      userTeam: origin.userTeamId,
    },
    admission === 'guest'
      ? 'refused a Slack request from a guest'
      : 'refused a Slack request from outside the installed workspace',
  );
  await refuse(deps, args, admission === 'guest' ? GUEST : OUTSIDER);
}

/** Answers a refused request: its ack (an event was acked already), then a short word where possible. */
async function refuse(deps: SlackDeps, args: AnyMiddlewareArgs, why: Message): Promise<void> {
  const { ack, respond } = args as { ack?: (response?: unknown) => Promise<void>; respond?: RespondFn };
  try {
    const body = record(args.body);
    if (body.type === 'view_submission') {
      await ack?.({ response_action: 'update', view: renderNoticeModal('Rapport', why) });
      return;
    }
    if (body.type === 'block_suggestion') {
      // A type-ahead in a modal: nothing to show, and nowhere to say why.
      await ack?.({ options: [] });
      return;
    }
    await ack?.();
    if (respond && (typeof body.command === 'string' || body.type === 'block_actions')) {
      await respond(ephemeral(why));
    }
  } catch (error) {
    deps.logger.warn({ err: describeError(error) }, 'could not answer a refused Slack request');
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function ids(...values: unknown[]): string[] {
  return [...new Set(values.map(text).filter((id): id is string => id !== null))];
}
