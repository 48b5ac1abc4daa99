/** Builds the platform channels (Slack, Teams) that the configuration turns on. */
import { createSlackPlatform } from './channels/slack/slack-channel';
import { createTeamsChannel } from './channels/teams/teams-channel';
import type { Config } from './config';
import type { ChannelDeps, PlatformChannel } from './channels/platform-channel';

export async function platformChannels(config: Config, core: ChannelDeps): Promise<PlatformChannel[]> {
  const channels: PlatformChannel[] = [];
  if (config.slack) channels.push(createSlackPlatform(config.slack, core));
  if (config.teams) channels.push(createTeamsChannel(config.teams, core));
  return channels;
}
