/**
 * The contract between the service and a platform channel (Slack, Teams): what a channel is given when
 * it is built, and what it gives back.
 */
import type { Config } from '../config';
import type { Channel, Logger } from '../core/ports';
import type { Rapport } from '../core/rapport';
import type { Route } from '../http/server';
import type { CredentialReporter } from './platform-health';

/** What a platform channel is built with: the core it serves, a logger and the one clock. */
export interface ChannelDeps {
  logger: Logger;
  rapport: Rapport;
  clock: () => Date;
  /**
   * How long a Slack slash command may run before it is acknowledged empty and answered on its
   * response_url instead (default: `COMMAND_ACK_BUDGET_MS`). Tests set it to take the machine's speed out.
   */
  slackAckBudgetMs?: number;
}

/** Something a platform channel adds to the service: its Channel, its HTTP routes, and how to stop it. */
export interface PlatformChannel {
  channel: Channel;
  routes: Route[];
  start?(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Credentials the channel holds besides the configured ones (OAuth installations, one per workspace), as
   * the platform last judged them: `/readyz` fails while any is refused.
   */
  credentials?: CredentialReporter;
}

/** Builds the platform channels that the configuration turns on. */
export type PlatformFactory = (config: Config, deps: ChannelDeps) => Promise<PlatformChannel[]>;
