/**
 * Maps what the Slack Web API client throws to the few `ChannelError` codes the scheduler acts on, by whose
 * fault it is:
 * - ours (the token, its scopes, the installation) → `AUTH`: sending to the whole workspace pauses until
 *   the configuration changes;
 * - the member's (gone, deactivated, cannot be written to) → `ADDRESS_GONE`: that member only;
 * - nobody's (rate limits, outages, timeouts) → `RATE_LIMITED` / `UNAVAILABLE`: try again later;
 * - the message's (our Block Kit, our arguments) → `INVALID`.
 * Errors are recognised by their `code` string rather than `instanceof`, so a second copy of
 * `@slack/web-api` in node_modules cannot make them unrecognisable.
 */
import { ChannelError } from '../../core/errors';
import { isDeadlineError } from '../deadline';

/** Slack error strings meaning the member or their DM can no longer be reached: waiting will not help. */
const ADDRESS_GONE = new Set([
  'channel_not_found',
  'user_not_found',
  'users_not_found',
  'user_disabled',
  'not_in_channel',
  'is_archived',
  'cannot_dm_bot',
  'user_is_bot',
  'messages_tab_disabled',
]);

/**
 * Our token, its grants or the installation were refused: nothing works for anyone until the configuration
 * changes. (`account_inactive` is about the token's own user or workspace, not the member written to.)
 */
const AUTH = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'access_denied',
  'ekm_access_denied',
  'org_login_required',
  'team_access_not_granted',
  'app_missing_action_url',
]);

/** Slack refused the request itself (our Block Kit, our arguments): sending it again fails again. */
const INVALID = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'invalid_arg_name',
  'invalid_form_data',
  'invalid_json',
  'json_not_object',
  'msg_too_long',
  'msg_blocks_too_long',
  'no_text',
  'too_many_attachments',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'cant_update_message',
  'edit_window_closed',
  'message_not_found',
  'view_too_large',
  'duplicate_external_id',
  'invalid_trigger_id',
  'expired_trigger_id',
  'exchanged_trigger_id',
]);

/** Slack's own trouble: try again later. */
const UNAVAILABLE = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

interface CodedSlackError {
  code?: unknown;
  message?: unknown;
  data?: { error?: unknown; response_metadata?: { retryAfter?: unknown } };
  retryAfter?: unknown;
  statusCode?: unknown;
  headers?: Record<string, unknown>;
}

/** The Slack error string of a platform error (`channel_not_found`, …), if there is one. */
export function slackErrorName(error: unknown): string | undefined {
  const coded = error as CodedSlackError | null;
  if (!coded || coded.code !== 'slack_webapi_platform_error') return undefined;
  return typeof coded.data?.error === 'string' ? coded.data.error : undefined;
}

/**
 * Turns anything a Web API call threw into a `ChannelError`:
 * - HTTP 429 (with `rejectRateLimitedCalls`) → `RATE_LIMITED` with Slack's `Retry-After`;
 * - `channel_not_found`, `user_not_found`, `cannot_dm_bot`, `user_disabled`, `not_in_channel`, … → `ADDRESS_GONE`;
 * - a refused, revoked or expired token, an inactive account, a missing scope or grant → `AUTH`;
 * - a request Slack refuses as malformed → `INVALID`;
 * - network errors, timeouts, 5xx and anything unknown → `UNAVAILABLE` (the scheduler backs off, bounded).
 */
export function toChannelError(error: unknown, what = 'Slack call'): ChannelError {
  if (error instanceof ChannelError) return error;
  const coded = (error ?? {}) as CodedSlackError;
  switch (coded.code) {
    case 'slack_webapi_rate_limited_error': {
      const seconds = Number(coded.retryAfter);
      return new ChannelError('RATE_LIMITED', `${what}: rate limited by Slack`, {
        retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000,
        cause: error,
      });
    }
    case 'slack_webapi_platform_error': {
      const name = slackErrorName(error) ?? 'unknown_error';
      if (name === 'ratelimited' || name === 'rate_limited') {
        const seconds = Number(coded.data?.response_metadata?.retryAfter);
        return new ChannelError('RATE_LIMITED', `${what}: ${name}`, {
          retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000,
          cause: error,
        });
      }
      if (ADDRESS_GONE.has(name))
        return new ChannelError('ADDRESS_GONE', `${what}: ${name}`, { cause: error });
      if (AUTH.has(name)) return new ChannelError('AUTH', `${what}: ${name}`, { cause: error });
      if (INVALID.has(name)) return new ChannelError('INVALID', `${what}: ${name}`, { cause: error });
      if (UNAVAILABLE.has(name)) return new ChannelError('UNAVAILABLE', `${what}: ${name}`, { cause: error });
      // An error string we do not know yet: retry, bounded by the scheduler, rather than give up at once.
      return new ChannelError('UNAVAILABLE', `${what}: ${name}`, { cause: error });
    }
    case 'slack_webapi_http_error': {
      const status = Number(coded.statusCode);
      if (status === 429) {
        const seconds = Number(coded.headers?.['retry-after']);
        return new ChannelError('RATE_LIMITED', `${what}: HTTP 429`, {
          retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000,
          cause: error,
        });
      }
      if (status === 401 || status === 403)
        return new ChannelError('AUTH', `${what}: HTTP ${status}`, { cause: error });
      if (status === 400 || status === 413 || status === 414)
        return new ChannelError('INVALID', `${what}: HTTP ${status}`, { cause: error });
      return new ChannelError('UNAVAILABLE', `${what}: HTTP ${status}`, { cause: error });
    }
    case 'slack_webapi_request_error':
      return new ChannelError(
        'UNAVAILABLE',
        isDeadlineError(error)
          ? `${what}: Slack did not answer before the deadline`
          : `${what}: Slack could not be reached`,
        { cause: error },
      );
    default: {
      if (isDeadlineError(error)) {
        return new ChannelError('UNAVAILABLE', `${what}: Slack did not answer before the deadline`, {
          cause: error,
        });
      }
      const message = error instanceof Error ? error.message : String(error);
      return new ChannelError('UNAVAILABLE', `${what}: ${message}`, { cause: error });
    }
  }
}
