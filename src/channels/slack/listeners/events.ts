/**
 * Events API. `app_home_opened` publishes the member's dashboard as the App Home tab; its `channel`
 * is the app's DM with the member, which is remembered so nudges need no `conversations.open`.
 * Bolt acknowledges events before listeners run.
 */
import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../core/errors';
import type { SlackDeps } from './shared';
import { publishHome } from './shared';

type HomeOpenedArgs = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

export function register(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', deps.track(onAppHomeOpened(deps)));
}

function onAppHomeOpened(deps: SlackDeps) {
  return async function onHomeOpened({ event, body, client, context }: HomeOpenedArgs): Promise<void> {
    try {
      const now = deps.clock();
      const who = await deps.identities.identify(
        client,
        {
          userId: event.user,
          teamId: context.teamId ?? body.team_id,
          enterpriseId: context.enterpriseId ?? body.enterprise_id,
          dmChannelId:
            typeof event.channel === 'string' && event.channel.startsWith('D') ? event.channel : null,
        },
        now,
      );
      // The Messages tab only tells us the DM; the Home tab is what shows the dashboard.
      if (!who || event.tab !== 'home') return;
      await publishHome(deps, client, who.actor, event.user, now);
    } catch (error) {
      deps.logger.error({ err: describeError(error) }, 'publishing App Home failed');
    }
  };
}
