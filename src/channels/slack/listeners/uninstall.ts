/**
 * A workspace uninstalled the app (`app_uninstalled`) or revoked its bot token (`tokens_revoked` naming
 * bot users): its nudges and digests stop at once and its installation is deleted; its data is kept for
 * the grace period (`UNINSTALLED_RETENTION_DAYS`), then the scheduler deletes it. Installing again lifts
 * the mark. OAuth mode only: with one bot token there is nothing to install again from.
 */
import type { AllMiddlewareArgs, App, Context, SlackEventMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../core/errors';
import { workspaceExternalId } from '../slack-identity';
import type { SlackDeps } from './shared';

export function register(app: App, deps: SlackDeps): void {
  app.event(
    'app_uninstalled',
    deps.track(async function onAppUninstalled({
      context,
    }: SlackEventMiddlewareArgs<'app_uninstalled'> & AllMiddlewareArgs) {
      await uninstalled(deps, context, 'app_uninstalled');
    }),
  );
  app.event(
    'tokens_revoked',
    deps.track(async function onTokensRevoked({
      event,
      context,
    }: SlackEventMiddlewareArgs<'tokens_revoked'> & AllMiddlewareArgs) {
      // Only the bot's token carries the nudges; a user revoking their own token changes nothing.
      if ((event.tokens.bot ?? []).length === 0) return;
      await uninstalled(deps, context, 'tokens_revoked');
    }),
  );
}

async function uninstalled(deps: SlackDeps, context: Context, why: string): Promise<void> {
  const external = workspaceExternalId(context);
  if (!external) return;
  try {
    await deps.rapport.installations.uninstalled('slack', external, deps.clock());
    deps.logger.warn(
      { workspace: external, event: why },
      'Slack workspace uninstalled Rapport; its nudges stop',
    );
  } catch (error) {
    deps.logger.error(
      { workspace: external, err: describeError(error) },
      'could not record a Slack uninstall',
    );
    throw error;
  }
}
