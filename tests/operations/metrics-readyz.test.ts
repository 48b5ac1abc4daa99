/**
 * The operational surface of a running service, driven through the real entry points (signed Slack
 * requests into Bolt, scheduler passes, the HTTP server): `/metrics` counts what happened, `/readyz`
 * says whether the service can work and names what stops it.
 */
import { sqliteDb } from '../support/sqlite-of';
import { DAY_MS, MONDAY, startSlackHarness } from '../channels/slack/slack-harness';
import type { SlackHarness } from '../channels/slack/slack-harness';

async function get(h: SlackHarness, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(h.eventsUrl.replace('/slack/events', path), { headers });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one sample in Prometheus text, e.g. `rapport_nudges_sent_total{rule="x",platform="slack"}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

interface Readiness {
  ready: boolean;
  failing: string[];
  checks: Record<string, { ok: boolean; [key: string]: unknown }>;
}

async function readyz(h: SlackHarness): Promise<{ status: number; body: Readiness }> {
  const { status, text } = await get(h, '/readyz');
  return { status, body: JSON.parse(text) as Readiness };
}

describe('operations: /metrics and /readyz', () => {
  let h: SlackHarness;
  afterEach(() => h?.stop());

  it('counts the nudges the scheduler steps create (promise reminders) by their rule', async () => {
    h = await startSlackHarness();
    await h.command('add Nissan negotiating');
    const promisedOn = new Date(MONDAY.getTime() + 7 * DAY_MS).toISOString().slice(0, 10);
    await h.command(`promise Nissan "send the pricing model" by ${promisedOn}`);
    await h.service.tick(new Date(MONDAY.getTime() + 7 * DAY_MS + 12 * 3600_000));

    const created = h.sql<{ rule_id: string; n: number }>(
      `SELECT rule_id, COUNT(*) AS n FROM nudges WHERE rule_id LIKE 'promise-%' GROUP BY rule_id`,
    );
    expect(created.map((row) => row.rule_id).sort()).toEqual(['promise-before', 'promise-due']);
    const text = (await get(h, '/metrics')).text;
    for (const row of created)
      expect(sample(text, 'rapport_nudges_created_total', { rule: row.rule_id, platform: 'slack' })).toBe(
        row.n,
      );
  });

  it('counts a command, a delivered nudge and the pass that delivered it', async () => {
    h = await startSlackHarness();
    await h.command('add Nissan negotiating');
    await h.command('frobnicate Nissan secret-words');
    // Three days into negotiating, the joint-workshop nudge is due; the pass delivers it.
    const passAt = new Date(MONDAY.getTime() + 3 * DAY_MS);
    const report = await h.service.tick(passAt);
    expect(report.delivered).toBe(1);
    const [nudge] = h.sql<{ rule_id: string; due_at: string }>('SELECT rule_id, due_at FROM nudges');

    const metrics = await get(h, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    const text = metrics.text;
    const rule = { rule: nudge!.rule_id, platform: 'slack' };
    expect(sample(text, 'rapport_nudges_created_total', rule)).toBe(1);
    expect(sample(text, 'rapport_nudges_sent_total', rule)).toBe(1);
    expect(sample(text, 'rapport_nudges_failed_total', rule)).toBeUndefined();
    // Due to sent, by the service clock: one observation of exactly that many seconds.
    const latency = (passAt.getTime() - Date.parse(nudge!.due_at)) / 1000;
    expect(sample(text, 'rapport_nudge_delivery_latency_seconds_count', { platform: 'slack' })).toBe(1);
    expect(sample(text, 'rapport_nudge_delivery_latency_seconds_sum', { platform: 'slack' })).toBe(latency);
    // Commands by name only: what was typed never becomes a label.
    expect(sample(text, 'rapport_command_duration_seconds_count', { command: 'add' })).toBe(1);
    expect(sample(text, 'rapport_command_duration_seconds_count', { command: 'unknown' })).toBe(1);
    expect(text).not.toContain('frobnicate');
    expect(text).not.toContain('Nissan');
    expect(sample(text, 'rapport_scheduler_pass_duration_seconds_count')).toBe(1);
    // Sent and not answered yet: still open, read from the store at scrape time.
    expect(sample(text, 'rapport_open_nudges', { rule: nudge!.rule_id })).toBe(1);
    // Node's own metrics, event-loop lag among them.
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);

    // The member logs the workshop the nudge asked for, which closes it: the gauge follows on the next scrape.
    h.setNow(passAt);
    await h.command('log Nissan workshop today Joint design session');
    const after = (await get(h, '/metrics')).text;
    expect(sample(after, 'rapport_open_nudges', { rule: nudge!.rule_id })).toBeUndefined();
    expect(sample(after, 'rapport_command_duration_seconds_count', { command: 'log' })).toBe(1);
  });

  it('measures the Retry-After of a rate-limited send', async () => {
    h = await startSlackHarness();
    await h.command('add Nissan negotiating');
    h.fake.failNext('chat.postMessage', { status: 429, retryAfterSec: 30 });
    await h.service.tick(new Date(MONDAY.getTime() + 3 * DAY_MS));
    const text = (await get(h, '/metrics')).text;
    expect(sample(text, 'rapport_rate_limit_wait_seconds_count', { platform: 'slack' })).toBe(1);
    expect(sample(text, 'rapport_rate_limit_wait_seconds_sum', { platform: 'slack' })).toBe(30);
    // A rate limit is the platform answering: still ready.
    expect((await readyz(h)).status).toBe(200);
  });

  it('counts a nudge given up as failed, by its rule', async () => {
    h = await startSlackHarness();
    await h.command('add Nissan negotiating');
    // Slack refuses the message itself: there is no point trying again.
    h.fake.failNext('chat.postMessage', { error: 'invalid_blocks' });
    const report = await h.service.tick(new Date(MONDAY.getTime() + 3 * DAY_MS));
    expect(report.failed).toBe(1);
    const [nudge] = h.sql<{ rule_id: string }>('SELECT rule_id FROM nudges');
    const text = (await get(h, '/metrics')).text;
    const rule = { rule: nudge!.rule_id, platform: 'slack' };
    expect(sample(text, 'rapport_nudges_failed_total', rule)).toBe(1);
    expect(sample(text, 'rapport_nudges_sent_total', rule)).toBeUndefined();
    // The platform answered (about this message): still ready.
    expect((await readyz(h)).status).toBe(200);
  });

  it('asks for a bearer token on /metrics when METRICS_TOKEN is set', async () => {
    h = await startSlackHarness({ env: { METRICS_TOKEN: 'scrape-secret-123' } });
    expect((await get(h, '/metrics')).status).toBe(401);
    expect((await get(h, '/metrics', { authorization: 'Bearer wrong-secret-123' })).status).toBe(401);
    const ok = await get(h, '/metrics', { authorization: 'Bearer scrape-secret-123' });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('rapport_nudges_sent_total');

    // The probes answer everyone, but name workspaces and errors only to the token's holder.
    const anonymous = await get(h, '/readyz');
    expect(anonymous.status).toBe(200);
    expect(JSON.parse(anonymous.text)).toEqual({ ready: true, failing: [] });
    expect(JSON.parse((await get(h, '/healthz')).text)).toEqual({ ok: true });
    const detailed = await get(h, '/readyz', { authorization: 'Bearer scrape-secret-123' });
    expect(Object.keys((JSON.parse(detailed.text) as Readiness).checks)).toEqual([
      'database',
      'platforms',
      'credentials',
    ]);
    const health = await get(h, '/healthz', { authorization: 'Bearer scrape-secret-123' });
    expect(JSON.parse(health.text)).toMatchObject({ ok: true, channels: ['slack'], sendingHeld: [] });
  });

  it('is ready normally, and not while the database refuses writes', async () => {
    h = await startSlackHarness();
    const versionBefore = h.sql('PRAGMA user_version');
    const ready = await readyz(h);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ready: true, failing: [] });
    expect(Object.keys(ready.body.checks)).toEqual(['database', 'platforms', 'credentials']);
    expect((await get(h, '/healthz')).status).toBe(200);

    // The service's own connection refuses every write from now on, as a read-only database would
    // (as root, chmod would not stop SQLite from writing). The probe's write is really refused.
    sqliteDb(h.service).pragma('query_only = ON');
    const down = await readyz(h);
    expect(down.status).toBe(503);
    expect(down.body.failing).toEqual(['database']);
    expect(down.body.checks.database).toMatchObject({
      ok: false,
      problem: expect.stringContaining('readonly'),
    });
    // Liveness is another question: the process still answers.
    expect((await get(h, '/healthz')).status).toBe(200);

    sqliteDb(h.service).pragma('query_only = OFF');
    expect((await readyz(h)).status).toBe(200);
    // The probe changed nothing.
    expect(h.sql('PRAGMA user_version')).toEqual(versionBefore);
  });

  it('is not ready once Slack refuses the token on a delivery, and says so', async () => {
    h = await startSlackHarness();
    await h.command('add Nissan negotiating');
    h.fake.failNext('conversations.open', { error: 'invalid_auth' }, 50);
    await h.service.tick(new Date(MONDAY.getTime() + 3 * DAY_MS));

    const { status, body } = await readyz(h);
    expect(status).toBe(503);
    expect(body.failing).toEqual(['platforms', 'credentials']);
    expect(body.checks.credentials).toMatchObject({
      ok: false,
      sendingHeld: [{ workspace: 'slack:T0RAPPORT', reason: expect.stringContaining('invalid_auth') }],
    });
    expect(body.checks.platforms).toMatchObject({
      ok: false,
      platforms: [
        { platform: 'slack', lastCall: { ok: false, problem: expect.stringContaining('invalid_auth') } },
      ],
    });
    expect(JSON.stringify(body)).not.toContain('xoxb-');

    // Slack takes the token again: the probe after the hold delivers, and the service is ready again.
    h.fake.reset();
    await h.service.tick(new Date(MONDAY.getTime() + 3 * DAY_MS + 20 * 60_000));
    expect(h.sql('SELECT status FROM nudges')).toEqual([{ status: 'sent' }]);
    expect((await readyz(h)).status).toBe(200);
  });
});
