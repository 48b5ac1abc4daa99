import { ConfigError, loadConfig } from '../../../src/config';
import { FakeSlackApi } from '../../support/fake-slack-api';
import { FakeSocketMode } from '../../support/fake-socket-mode';
import { getJson } from '../../support/http';
import { slashCommandBody } from '../../support/slack-requests';
import { startSlackHarness, TEAM, USER } from './slack-harness';

describe('Slack channel start-up and shutdown', () => {
  it('stops start-up naming what is missing when Slack is partly configured', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_SIGNING_SECRET/);
    expect(() => loadConfig({ SLACK_SIGNING_SECRET: 's' })).toThrow(/SLACK_BOT_TOKEN/);
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xapp-1' })).toThrow(/SLACK_BOT_TOKEN/);
    expect(() =>
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_APP_TOKEN: 'xoxb-wrong' }),
    ).toThrow(/SLACK_APP_TOKEN/);
  });

  it('stops start-up naming SLACK_BOT_TOKEN when Slack refuses the token', async () => {
    const fake = new FakeSlackApi();
    await fake.start();
    try {
      fake.failNext('auth.test', { error: 'invalid_auth' });
      const failure = await startSlackHarness({ fake }).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as ConfigError).variable).toBe('SLACK_BOT_TOKEN');
      expect((failure as Error).message).toContain('invalid_auth');
    } finally {
      await fake.stop();
    }
  });

  it('checks the token with auth.test once at start, not on every request', async () => {
    const h = await startSlackHarness();
    try {
      await h.command('help');
      await h.command('list');

      expect(h.fake.calls('auth.test')).toHaveLength(1);
      expect(h.fake.calls().every((call) => call.token === 'xoxb-test-token')).toBe(true);
      const health = await getJson<{ ok: boolean; channels: string[] }>(
        h.eventsUrl.replace('/slack/events', '/healthz'),
      );
      expect(health.body).toEqual({ ok: true, channels: ['slack'], sendingHeld: [] });
    } finally {
      await h.stop();
    }
  });

  it('finishes replies already under way before it closes the database', async () => {
    // The acknowledgement's budget (50 ms) runs out before the store answers (500 ms): its timer is set
    // first and is shorter, whatever the machine's speed.
    const h = await startSlackHarness({ ackBudgetMs: 50 });
    try {
      // Slower than the acknowledgement's budget: Slack is answered empty, the reply is still to come.
      const partners = h.service.store.partners;
      const find = partners.findByName.bind(partners);
      jest.spyOn(partners, 'findByName').mockImplementation(async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        return find(...args);
      });
      const { result, responseId } = await h.commandRaw('add Nissan');
      expect(result.status).toBe(200);
      expect(result.text).toBe('');

      await h.service.stop();

      expect(h.fake.responses(responseId)).toHaveLength(1);
      expect(String(h.fake.responses(responseId)[0]!.body.text)).toContain('Added *Nissan*');
      expect(h.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
    } finally {
      await h.stop();
    }
  }, 15_000);

  describe('in Socket Mode', () => {
    const socket = new FakeSocketMode();

    beforeAll(() => socket.start());
    afterAll(() => socket.stop());

    it('connects through apps.connections.open with the app token and serves /partner over the socket', async () => {
      const fake = new FakeSlackApi();
      await fake.start();
      fake.setResponder('apps.connections.open', () => ({ ok: true, url: socket.url }));
      const h = await startSlackHarness({ fake, env: { SLACK_APP_TOKEN: 'xapp-1-A0RAPPORT-test' } });
      try {
        const open = fake.calls('apps.connections.open');
        expect(open).toHaveLength(1);
        expect(open[0]!.token).toBe('xapp-1-A0RAPPORT-test');
        expect(socket.connections).toBe(1);

        const over = await h.post(
          slashCommandBody({ teamId: TEAM, userId: USER, text: 'help', responseUrl: 'x' }),
        );
        expect(over.status).toBe(404);

        socket.send({
          envelope_id: 'env-1',
          type: 'slash_commands',
          accepts_response_payload: true,
          payload: Object.fromEntries(
            new URLSearchParams(
              slashCommandBody({
                teamId: TEAM,
                userId: USER,
                text: 'add Nissan',
                responseUrl: fake.responseUrl('sock'),
              }),
            ),
          ),
        });

        // The reply travels back in the envelope's acknowledgement.
        const ack = await socket.waitFor((message) => message.envelope_id === 'env-1');
        expect(String((ack.payload as { text?: unknown }).text)).toContain('Added *Nissan*');
        expect(fake.responses('sock')).toEqual([]);
        expect(h.sql('SELECT name FROM partners')).toEqual([{ name: 'Nissan' }]);
      } finally {
        await h.stop();
        await fake.stop();
      }
    });

    it('stops start-up naming SLACK_APP_TOKEN when Slack refuses the app-level token', async () => {
      const fake = new FakeSlackApi();
      await fake.start();
      try {
        fake.failNext('apps.connections.open', { error: 'invalid_auth' });
        const failure = await startSlackHarness({ fake, env: { SLACK_APP_TOKEN: 'xapp-1-revoked' } }).catch(
          (error: unknown) => error,
        );

        expect(failure).toBeInstanceOf(ConfigError);
        expect((failure as ConfigError).variable).toBe('SLACK_APP_TOKEN');
      } finally {
        await fake.stop();
      }
    });
  });
});
