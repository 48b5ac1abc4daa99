/**
 * Installing Rapport on many Slack workspaces: Bolt's own OAuth options for the HTTP receiver
 * (`GET /slack/install` starts the flow, `GET /slack/oauth_redirect` finishes it), with
 *
 * - a state that is signed (`SLACK_STATE_SECRET`), tied to the browser by a cookie, valid for 10 minutes
 *   and usable once across every instance on the database: a replayed redirect is refused even with the
 *   cookie, whichever instance it reaches;
 * - answers a person can read: a page saying the app is installed, or 400 saying why not (a bad, expired or
 *   reused state, a missing code, a cancelled install) and 502 when Slack refused the exchange. Nothing is
 *   stored unless the whole exchange succeeded.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPReceiverOptions, webApi } from '@slack/bolt';
import { ClearStateStore, ErrorCode } from '@slack/oauth';
import type { CodedError, InstallURLOptions, StateStore } from '@slack/oauth';
import { InvalidStateError } from '@slack/oauth';
import type { SlackOAuthConfig } from '../../config';
import type { Logger } from '../../core/ports';
import type { SlackInstallationStore } from './installation-store';

/** Where the install flow starts and where Slack sends the browser back. */
export const SLACK_INSTALL_PATH = '/slack/install';
export const SLACK_REDIRECT_PATH = '/slack/oauth_redirect';
/** How long an install started at `/slack/install` may take to come back, in seconds. */
export const STATE_MAX_AGE_SECONDS = 600;

/**
 * Marks a state spent for every instance on the database (the installations' `spendOAuthState`): true when
 * this call spent it, false when it was spent already.
 */
export type SpendOAuthState = (stateHash: string, validUntil: Date, now: Date) => Promise<boolean>;

/**
 * How long a spent state is remembered beyond the time it can verify here: the instance that issued it may
 * have a clock ahead of this one's, so that it verifies for longer elsewhere.
 */
const CLOCK_SKEW_ALLOWANCE_SECONDS = 600;

/**
 * Signed states that can be verified once, by any instance: a state is spent in the database shared by
 * every instance, so a redirect replayed to another instance is refused too. Only a SHA-256 digest of the
 * state is stored (the state carries the install options), and only once its signature and age verified,
 * so a forged state writes nothing. Entries are forgotten once the state would not verify anyway.
 */
export class OneTimeStateStore implements StateStore {
  private readonly signed: ClearStateStore;

  constructor(
    stateSecret: string,
    private readonly spend: SpendOAuthState,
  ) {
    this.signed = new ClearStateStore(stateSecret, STATE_MAX_AGE_SECONDS);
  }

  generateStateParam(installOptions: InstallURLOptions, now: Date): Promise<string> {
    return this.signed.generateStateParam(installOptions, now);
  }

  async verifyStateParam(now: Date, state: string): Promise<InstallURLOptions> {
    const options = await this.signed.verifyStateParam(now, state);
    const validUntil = new Date(
      now.getTime() + (STATE_MAX_AGE_SECONDS + CLOCK_SKEW_ALLOWANCE_SECONDS) * 1000,
    );
    if (!(await this.spend(stateDigest(state), validUntil, now))) {
      throw new InvalidStateError('The state was used already');
    }
    return options;
  }
}

/** The SHA-256 digest of a state, in hex: what the database keeps instead of the state. */
function stateDigest(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}

/** Failures that are the browser's request, not Slack's or ours. */
const REQUEST_ERRORS: string[] = [
  ErrorCode.InvalidStateError,
  ErrorCode.MissingStateError,
  ErrorCode.MissingCodeError,
  ErrorCode.AuthorizationError,
];

function page(res: ServerResponse, status: number, title: string, text: string): void {
  if (res.headersSent) return;
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

/** The HTTP receiver's OAuth options. */
export function oauthReceiverOptions(
  oauth: SlackOAuthConfig,
  installationStore: SlackInstallationStore,
  spendState: SpendOAuthState,
  clientOptions: webApi.WebClientOptions,
  logger: Logger,
): Pick<
  HTTPReceiverOptions,
  'clientId' | 'clientSecret' | 'stateSecret' | 'scopes' | 'installationStore' | 'installerOptions'
> {
  const { logger: _sdkLogger, ...withoutLogger } = clientOptions;
  return {
    clientId: oauth.clientId,
    clientSecret: oauth.clientSecret,
    stateSecret: oauth.stateSecret,
    scopes: oauth.scopes,
    installationStore,
    installerOptions: {
      installPath: SLACK_INSTALL_PATH,
      redirectUriPath: SLACK_REDIRECT_PATH,
      // Straight to Slack's consent screen: the state cookie is set on this redirect.
      directInstall: true,
      stateVerification: true,
      stateStore: new OneTimeStateStore(oauth.stateSecret, spendState),
      stateCookieExpirationSeconds: STATE_MAX_AGE_SECONDS,
      // `oauth.v2.access` (and token refreshes) go where every other Web API call goes, with its deadline.
      clientOptions: withoutLogger,
      callbackOptions: {
        success: (installation, _options, _req: IncomingMessage, res: ServerResponse) => {
          const where = installation.isEnterpriseInstall
            ? (installation.enterprise?.name ?? 'your organisation')
            : (installation.team?.name ?? 'your workspace');
          logger.info(
            {
              team: installation.team?.id,
              enterprise: installation.enterprise?.id,
              isEnterpriseInstall: installation.isEnterpriseInstall === true,
            },
            'Slack installation stored',
          );
          page(
            res,
            200,
            'Rapport is installed',
            `Rapport is installed in ${escapeHtml(where)}. Type <code>/partner help</code> in Slack to begin.`,
          );
        },
        failure: (error: CodedError, _options, _req: IncomingMessage, res: ServerResponse) => {
          const requestError = REQUEST_ERRORS.includes(error.code);
          logger.warn({ code: error.code }, 'Slack install refused');
          if (requestError) {
            page(
              res,
              400,
              'Rapport was not installed',
              'This install link is not valid any more (it may have expired or been used already). Start again from the install page.',
            );
          } else {
            page(
              res,
              502,
              'Rapport was not installed',
              'Slack did not complete the installation. Please try again.',
            );
          }
        },
      },
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
