/**
 * Modal submissions. A modal's `callback_id` is the core form id and its block ids are the field
 * ids, so submissions go straight to `submitForm`. Invalid input is answered inside the modal
 * (`response_action: 'errors'`), so nothing typed is lost; a stored entry closes the modal and is
 * confirmed ephemerally where the form was opened, or in the member's DM.
 */
import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction, webApi } from '@slack/bolt';
import { NUDGE_ACTIONS, nudgeChoiceId } from '../../../core/choice-ids';
import { describeError } from '../../../core/errors';
import type { Message } from '../../../core/messages';
import type { Actor } from '../../../core/rapport';
import type { ModalMetadata } from '../block-kit-forms';
import { pickedUsers, seePeople } from './people';
import { renderMessage, renderNoticeModal } from '../block-kit';
import { decodeMetadata, readViewValues, viewErrors } from '../block-kit-forms';
import type { SlackAddress } from '../slack-identity';
import type { SlackDeps } from './shared';
import { bestEffort, interactionSender, publishHome, SORRY, UNKNOWN_SENDER } from './shared';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type WebClient = webApi.WebClient;

export function register(app: App, deps: SlackDeps): void {
  app.view({ type: 'view_submission' }, deps.track(onSubmission(deps)));
  app.view({ type: 'view_closed' }, async ({ ack }) => ack());
}

function onSubmission(deps: SlackDeps) {
  return async function onViewSubmission({ body, view, ack, client, context }: SubmitArgs): Promise<void> {
    let acked = false;
    try {
      const now = deps.clock();
      const who = await deps.identities.identify(client, interactionSender(body, context), now);
      if (!who) {
        acked = true;
        await ack({ response_action: 'update', view: renderNoticeModal('Rapport', UNKNOWN_SENDER) });
        return;
      }
      const metadata = decodeMetadata(view.private_metadata);
      const values = readViewValues(view.state?.values);
      const sender = interactionSender(body, context);
      if (sender.userId)
        await seePeople(
          deps,
          client,
          pickedUsers(view.state?.values),
          { ...sender, userId: sender.userId },
          now,
        );
      const result = await deps.rapport.submitForm(
        who.actor,
        view.callback_id,
        values,
        metadata.context,
        now,
      );
      if (!result.ok) {
        const errors = viewErrors(result.errors, view.blocks);
        acked = true;
        if (Object.keys(errors).length) await ack({ response_action: 'errors', errors });
        else {
          const text = Object.values(result.errors).join(' ');
          await ack({
            response_action: 'update',
            view: renderNoticeModal('Rapport', { text, isError: true }),
          });
        }
        return;
      }
      acked = true;
      await ack();
      await afterSubmission(deps, client, who, metadata, result.reply, now);
    } catch (error) {
      deps.logger.error({ form: view.callback_id, err: describeError(error) }, 'form submission failed');
      if (!acked) {
        // Keep the modal open with what was typed, and say so.
        const errors = viewErrors({ form: `${SORRY.text} Your entries are still here.` }, view.blocks);
        await ack(
          Object.keys(errors).length
            ? { response_action: 'errors', errors }
            : { response_action: 'update', view: renderNoticeModal('Rapport', SORRY) },
        ).catch(() => undefined);
      }
    }
  };
}

/** Confirms the stored entry, closes the nudge it answered, and refreshes App Home. */
async function afterSubmission(
  deps: SlackDeps,
  client: WebClient,
  who: { actor: Actor; address: SlackAddress },
  metadata: ModalMetadata,
  reply: Message,
  now: Date,
): Promise<void> {
  await bestEffort(deps.logger, 'confirming the entry', () =>
    confirm(deps, client, who.address, metadata, reply),
  );

  const nudgeId = Number(metadata.context?.nudgeId);
  const original = metadata.message;
  if (original && Number.isSafeInteger(nudgeId)) {
    await bestEffort(deps.logger, 'closing the nudge message', async () => {
      // Asking for the nudge's "log" choice again changes nothing: it returns the closed message once
      // the nudge is answered, and only offers the form again while it is still open.
      const choice = await deps.rapport.handleChoice(
        who.actor,
        nudgeChoiceId(nudgeId, NUDGE_ACTIONS.log),
        now,
      );
      if (choice.replaceOriginal) {
        const { text, blocks } = renderMessage(choice.replaceOriginal);
        await client.chat.update({ ...original, text, blocks });
      }
    });
  }
  await bestEffort(deps.logger, 'refreshing App Home', () =>
    publishHome(deps, client, who.actor, who.address.userId, now),
  );
}

async function confirm(
  deps: SlackDeps,
  client: WebClient,
  address: SlackAddress,
  metadata: ModalMetadata,
  reply: Message,
): Promise<void> {
  if (metadata.channel) {
    try {
      const { text, blocks } = renderMessage(reply);
      await client.chat.postEphemeral({ channel: metadata.channel, user: address.userId, text, blocks });
      return;
    } catch (error) {
      // The app may not be in that channel (or it is a DM between people): fall back to our DM.
      deps.logger.debug({ err: describeError(error) }, 'ephemeral confirmation refused; using the DM');
    }
  }
  await deps.dms.send(address, reply);
}
