/**
 * Type-ahead for searched selects in modals (`external_select`, e.g. the log form's partner picker in a
 * workspace with more partners than a static select holds). Slack asks for options as the member types
 * (`block_suggestion`) and shows nothing unless they come within 3 s, so the answer is the `ack` itself.
 * The request was admitted like every other (`installation.ts`: the installed workspace, no stranger, no
 * guest unless allowed), and the matches come from the member's own workspace only.
 */
import type { AllMiddlewareArgs, App, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../core/errors';
import { searchOf, suggestionOptions } from '../block-kit-forms';
import type { SlackDeps } from './shared';
import { interactionSender } from './shared';

type SuggestionArgs = SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs;

export function register(app: App, deps: SlackDeps): void {
  app.options({ type: 'block_suggestion', action_id: /^search:/ }, deps.track(onSuggestion(deps)));
}

function onSuggestion(deps: SlackDeps) {
  return async function onBlockSuggestion({ body, ack, client, context }: SuggestionArgs): Promise<void> {
    try {
      const search = searchOf(body.action_id);
      const now = deps.clock();
      const who = search
        ? await deps.identities.identify(client, interactionSender(body, context), now)
        : null;
      if (!who || search !== 'partners') {
        await ack({ options: [] });
        return;
      }
      const found = await deps.rapport.searchPartners(who.actor, String(body.value ?? ''), now);
      await ack({ options: suggestionOptions(found) });
    } catch (error) {
      deps.logger.error({ actionId: body.action_id, err: describeError(error) }, 'type-ahead search failed');
      await ack({ options: [] }).catch(() => undefined);
    }
  };
}
