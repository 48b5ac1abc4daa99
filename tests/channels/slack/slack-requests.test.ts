import { postToSlack, slashCommandBody, urlVerificationBody } from '../../support/slack-requests';
import { SIGNING_SECRET, startSlackHarness, TEAM, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

describe('Slack request verification and malformed requests', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness();
  });
  afterEach(() => h.stop());

  function addBody(responseId: string): string {
    return slashCommandBody({
      teamId: TEAM,
      userId: USER,
      text: 'add Nissan',
      responseUrl: h.fake.responseUrl(responseId),
    });
  }

  function nothingWritten(): void {
    expect(h.sql('SELECT * FROM workspaces')).toEqual([]);
    expect(h.sql('SELECT * FROM members')).toEqual([]);
    expect(h.sql('SELECT * FROM partners')).toEqual([]);
  }

  it('refuses a request with a bad signature with 401 and writes nothing', async () => {
    const result = await h.post(addBody('bad'), { signature: `v0=${'0'.repeat(64)}` });

    expect(result.status).toBe(401);
    nothingWritten();
    expect(h.fake.responses('bad')).toEqual([]);
  });

  it('refuses a request signed with another secret with 401', async () => {
    const body = addBody('other');
    const result = await postToSlack(h.eventsUrl, { secret: `${SIGNING_SECRET}-not`, body });

    expect(result.status).toBe(401);
    nothingWritten();
  });

  it('refuses a request without a signature with 401 and writes nothing', async () => {
    const result = await h.post(addBody('missing'), { signature: null });

    expect(result.status).toBe(401);
    nothingWritten();
  });

  it('refuses a correctly signed request older than 5 minutes with 401 and writes nothing', async () => {
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const result = await h.post(addBody('stale'), { timestamp: sixMinutesAgo });

    expect(result.status).toBe(401);
    nothingWritten();
  });

  it('answers a signed body that is not a Slack payload with 400 at once', async () => {
    for (const body of ['{"hello":"world"}', '[1,2,3]', 'null', '{"event":"not an object"}']) {
      const result = await h.post(body, { contentType: 'application/json' });
      expect({ body, status: result.status }).toEqual({ body, status: 400 });
    }
    const broken = await h.post('payload=%7Bnot-json', {
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(broken.status).toBe(400);
    const viewless = await h.post(`payload=${encodeURIComponent('{"type":"view_submission"}')}`);
    expect(viewless.status).toBe(400);
    const actionless = await h.post(`payload=${encodeURIComponent('{"type":"block_actions","actions":[]}')}`);
    expect(actionless.status).toBe(400);
    nothingWritten();
  });

  it('answers a form body sent with another content type with 400', async () => {
    const result = await h.post(addBody('type'), { contentType: 'text/plain' });

    expect(result.status).toBe(400);
    nothingWritten();
  });

  it('answers Slack’s URL verification handshake with the challenge', async () => {
    const result = await h.post(urlVerificationBody('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P'));

    expect(result.status).toBe(200);
    expect(result.json).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  });

  it('answers other methods on /slack/events with 405', async () => {
    const result = await fetch(h.eventsUrl, { method: 'GET' });
    await result.text();

    expect(result.status).toBe(405);
  });

  it('answers a body over 1 MiB with 413', async () => {
    const result = await h.post(`text=${'x'.repeat(1024 * 1024 + 10)}`);

    expect(result.status).toBe(413);
  });
});
