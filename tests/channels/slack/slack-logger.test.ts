import { withoutPayload } from '../../../src/channels/slack/slack-logger';

describe('Slack SDK log lines', () => {
  it.each([
    ['http request body: {"channel":"D1","text":"Agreed on pricing"}', 'http request body: '],
    ['http request result: {"ok":true,"message":{"text":"note"}}', 'http request result: '],
    ['ack() response sent (body: {"text":"note"})', 'ack() response sent (body: '],
    [
      'Received a message on the WebSocket: {"payload":{"text":"note"}}',
      'Received a message on the WebSocket: ',
    ],
    ['Calling ack() - type: slash_commands, envelope_id: e1, data: {"text":"x"}', 'Calling ack() - type: '],
    ['{"token":"x","text":"note","response_url":"https://hooks.slack.com/commands/T/1/abc"}', ''],
  ])('keeps what %s says, not the body', (text, kept) => {
    const logged = withoutPayload(text);

    expect(logged.startsWith(kept)).toBe(true);
    expect(logged).toContain('[payload omitted');
    expect(logged).not.toMatch(/note|pricing|hooks\.slack\.com/);
  });

  it('cuts a JSON body or a response URL out of any other line', () => {
    expect(withoutPayload('Error details: Error: boom, storedResponse: {"text":"note"}')).toBe(
      'Error details: Error: boom, storedResponse: [payload omitted]',
    );
    expect(withoutPayload('posting to https://hooks.slack.com/actions/T1/2/xyz failed')).toBe(
      'posting to [payload omitted]',
    );
  });

  it('leaves lines without a body as they are', () => {
    expect(withoutPayload("apiCall('chat.postMessage') start")).toBe("apiCall('chat.postMessage') start");
    expect(withoutPayload('http request url: https://slack.com/api/chat.postMessage')).toBe(
      'http request url: https://slack.com/api/chat.postMessage',
    );
  });
});
