/**
 * Identities when many workspaces install the app (OAuth). Each request is served for the installation
 * Bolt authorized it for; `listeners/installation.ts` runs the rest of the request inside
 * `servingInstallation`, and every listener's `deps.identities` call is answered by that installation's own
 * `SlackIdentities`, so the listeners are the same in both modes and a member is only ever recorded in the
 * workspace whose installation served them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { webApi } from '@slack/bolt';
import { ChannelError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import type { Rapport } from '../../core/rapport';
import type { Admission, SlackIdentitiesOptions, SlackInstallation, SlackSender } from './slack-identity';
import { installationExternalId, SlackIdentities } from './slack-identity';

/** The installation the request under way is served for. */
const current = new AsyncLocalStorage<SlackInstallation>();

/** Runs `work` (the rest of a request) as served for `installation`. */
export function servingInstallation<T>(installation: SlackInstallation, work: () => Promise<T>): Promise<T> {
  return current.run(installation, work);
}

/** What the listeners need of identities, in either mode. */
export type SlackIdentityService = Pick<SlackIdentities, 'admits' | 'identify'>;

export class WorkspaceIdentities implements SlackIdentityService {
  /** One `SlackIdentities` (and its bounded caches) per installed workspace seen by this process. */
  private readonly byWorkspace = new Map<string, SlackIdentities>();

  constructor(
    private readonly rapport: Rapport,
    private readonly logger: Logger,
    private readonly options: SlackIdentitiesOptions,
  ) {}

  admits(client: webApi.WebClient, userId: string, now: Date, provenByPayload: boolean): Promise<Admission> {
    return this.forRequest().admits(client, userId, now, provenByPayload);
  }

  identify(
    client: webApi.WebClient,
    sender: SlackSender,
    now: Date,
  ): ReturnType<SlackIdentities['identify']> {
    return this.forRequest().identify(client, sender, now);
  }

  private forRequest(): SlackIdentities {
    const installation = current.getStore();
    if (!installation) throw new ChannelError('AUTH', 'a Slack request was not bound to an installation');
    const key = `${installation.isEnterpriseInstall ? 'org' : 'team'}:${installationExternalId(installation)}`;
    let identities = this.byWorkspace.get(key);
    if (!identities) {
      identities = new SlackIdentities(this.rapport, this.logger, installation, this.options);
      this.byWorkspace.set(key, identities);
    }
    return identities;
  }
}
