import {
  messageTime,
  plainSlackText,
  readSlackChannelAddress,
  slackConversation,
} from '../../../src/channels/slack/channel-posts';

describe('reading a Slack message for a note', () => {
  it.each([
    ['See <https://example.com/deck|the deck> &amp; notes', 'See the deck & notes'],
    ['Bare link <https://example.com>', 'Bare link https://example.com'],
    ['Ask <@U123|ana> in <#C9|nissan-alliance>', 'Ask @ana in #nissan-alliance'],
    ['Ask <@U123> <!here>', 'Ask @U123 @here'],
    ['a &lt;b&gt; c', 'a <b> c'],
  ])('reads %j as %j', (text, plain) => {
    expect(plainSlackText(text)).toBe(plain);
  });

  it('reads a message ts as its instant, and refuses one that is not a ts', () => {
    expect(messageTime('1772395200.000100')?.toISOString()).toBe('2026-03-01T20:00:00.000Z');
    expect(messageTime('soon')).toBeNull();
    expect(messageTime(undefined)).toBeNull();
  });
});

describe('where a Slack request came from', () => {
  it('tells DMs and group DMs from channels, and addresses channels only', () => {
    expect(slackConversation({ teamId: 'T1' }, 'D123', 'directmessage')).toEqual({
      id: 'D123',
      kind: 'chat',
    });
    expect(slackConversation({ teamId: 'T1' }, 'C777', 'mpdm-ana--bob-1')).toEqual({
      id: 'C777',
      kind: 'chat',
    });
    const channel = slackConversation({ teamId: 'T1' }, 'C123', 'nissan-alliance');
    expect(channel).toEqual({
      id: 'C123',
      kind: 'channel',
      name: 'nissan-alliance',
      address: { channel: 'slack', payload: { kind: 'channel', teamId: 'T1', channelId: 'C123' } },
    });
    expect(readSlackChannelAddress(channel!.address!)).toEqual({
      kind: 'channel',
      teamId: 'T1',
      channelId: 'C123',
    });
    // In an org-wide install, the address names the organisation the token is found by.
    const grid = slackConversation(
      { teamId: 'T1', enterpriseId: 'E1', isEnterpriseInstall: true },
      'C9',
      'grid-channel',
    );
    expect(readSlackChannelAddress(grid!.address!)).toEqual({
      kind: 'channel',
      teamId: 'T1',
      enterpriseId: 'E1',
      isEnterpriseInstall: true,
      channelId: 'C9',
    });
    // A member's DM address is not a channel's.
    expect(readSlackChannelAddress({ channel: 'slack', payload: { userId: 'U1', teamId: 'T1' } })).toBeNull();
    expect(slackConversation({ teamId: 'T1' }, undefined)).toBeUndefined();
  });
});
