/** Builds the platform channels (Slack, Teams) that the configuration turns on. */
import { createTeamsChannel } from './channels/teams/teams-channel';
import type { Config } from './config';
import type { Core, PlatformChannel } from './main';

export async function platformChannels(config: Config, core: Core): Promise<PlatformChannel[]> {
  const channels: PlatformChannel[] = [];
  if (config.teams) channels.push(createTeamsChannel(config.teams, core));
  return channels;
}
