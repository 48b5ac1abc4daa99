/**
 * The partner picker's type-ahead in a workspace of many partners (target: an answer in under 50 ms; Slack
 * gives up after 3 s). Two views, each against a baseline measured in the same run, interleaved:
 *
 * - core: `searchPartners` (one indexed query) for a prefix, an infix, nothing typed and no match, and
 *   opening the log form on the last partner by name; baseline, on the same SQLite file, one bare prepared
 *   lookup of a partner by its exact name, the cheapest indexed read there is;
 * - Slack: a signed `block_suggestion` into the service until its options come back; baseline, a bare Bolt
 *   app (HTTPReceiver) answering the same request with fixed options;
 * - Teams: an `application/search` invoke (a card's dynamic type-ahead) POSTed to `/api/messages` until its
 *   results come back; baseline, a bare botbuilder CloudAdapter answering the same invoke with fixed results.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { ActivityHandler } from 'botbuilder';
import type { InvokeResponse, TurnContext } from 'botbuilder';
import { loadConfig } from '../src/config';
import { startService } from '../src/main';
import { platformChannels } from '../src/platforms';
import { fakeSlack, SECRET, TEAM } from './slack-latency';
import { bareBot, fakeConnector } from './teams-latency';
import type { BenchRow } from './table';
import { interleave, latencyRows, time } from './table';

const USER = 'U1';

function signedSuggestion(value: string): { body: string; headers: Record<string, string> } {
  const payload = {
    type: 'block_suggestion',
    user: { id: USER, username: 'ada', name: 'ada', team_id: TEAM },
    container: { type: 'view', view_id: 'VBENCH' },
    api_app_id: 'ABENCH',
    token: 'x',
    action_id: 'search:partners',
    block_id: 'partner',
    value,
    team: { id: TEAM, domain: 'bench' },
    enterprise: null,
    is_enterprise_install: false,
    view: {
      id: 'VBENCH',
      team_id: TEAM,
      type: 'modal',
      callback_id: 'log-interaction',
      app_installed_team_id: TEAM,
    },
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-signature': signature,
      'x-slack-request-timestamp': timestamp,
    },
  };
}

/** One type-ahead round trip; fails unless the answer lists `expected` first. */
async function suggest(url: string, value: string, expected: string): Promise<number> {
  const { body, headers } = signedSuggestion(value);
  const start = performance.now();
  const response = await fetch(url, { method: 'POST', body, headers });
  const answer = (await response.json()) as { options?: Array<{ text: { text: string } }> };
  const elapsed = performance.now() - start;
  // Refusals would measure nothing: every answer must be the real one.
  if (answer.options?.[0]?.text.text !== expected)
    throw new Error(`unexpected answer to "${value}": ${JSON.stringify(answer).slice(0, 300)}`);
  return elapsed;
}

const TENANT = 'bench-tenant';

function searchInvoke(queryText: string, serviceUrl: string): object {
  return {
    type: 'invoke',
    name: 'application/search',
    id: `search-${queryText}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: '29:user', name: 'Ada', aadObjectId: 'aad-ada' },
    conversation: { id: 'a:bench-picker', conversationType: 'personal', tenantId: TENANT },
    recipient: { id: '28:bot', name: 'Rapport' },
    channelData: { tenant: { id: TENANT } },
    value: { queryText, dataset: 'partners', queryOptions: { skip: 0, top: 15 } },
    locale: 'en-GB',
  };
}

/** One Teams type-ahead round trip; fails unless the answer lists `expected` first. */
async function teamsSearch(
  url: string,
  serviceUrl: string,
  query: string,
  expected: string,
): Promise<number> {
  const start = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(searchInvoke(query, serviceUrl)),
    headers: { 'content-type': 'application/json' },
  });
  const answer = (await response.json()) as { value?: { results?: Array<{ title: string }> } };
  const elapsed = performance.now() - start;
  if (answer.value?.results?.[0]?.title !== expected)
    throw new Error(`unexpected answer to "${query}": ${JSON.stringify(answer).slice(0, 300)}`);
  return elapsed;
}

/** A bare bot answering every type-ahead with the same 15 results. */
class FixedSearchBot extends ActivityHandler {
  protected override onInvokeActivity(_context: TurnContext): Promise<InvokeResponse> {
    const results = Array.from({ length: 15 }, (_, i) => ({ title: `Partner ${i}`, value: String(i) }));
    return Promise.resolve({
      status: 200,
      body: { type: 'application/vnd.microsoft.search.searchResponse', value: { results } },
    });
  }
}

export async function pickerLatency(partners: number, samples: number): Promise<BenchRow[]> {
  const slack = await fakeSlack();
  const connector = await fakeConnector();
  const bareTeams = await bareBot(new FixedSearchBot());
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-'));
  const receiver = new HTTPReceiver({ signingSecret: SECRET, endpoints: '/slack/events' });
  const bare = new App({
    token: 'xoxb-bench',
    receiver,
    botId: 'BBOT',
    botUserId: 'UBOT',
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: slack.url },
  });
  const fixed = Array.from({ length: 15 }, (_, i) => ({
    text: { type: 'plain_text' as const, text: `Partner ${i}` },
    value: String(i),
  }));
  bare.options<'block_suggestion'>({ type: 'block_suggestion' }, async ({ ack }) => ack({ options: fixed }));
  const config = loadConfig({
    PORT: '0',
    DATABASE_PATH: join(dir, 'bench.db'),
    TICK_SCHEDULE: 'off',
    LOG_LEVEL: 'silent',
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    TEAMS_ALLOW_UNAUTHENTICATED: 'true',
  });
  const service = await startService(
    config,
    { stdin: new PassThrough(), stdout: new PassThrough() },
    platformChannels,
  );
  try {
    const server = (await bare.start(0)) as unknown as { address(): AddressInfo };
    const bareUrl = `http://127.0.0.1:${server.address().port}/slack/events`;
    const rapportUrl = `http://127.0.0.1:${service.port}/slack/events`;

    const now = new Date();
    const { actor } = await service.rapport.identify('slack', TEAM, { memberId: USER }, now);
    const width = String(partners).length;
    const name = (i: number): string => `Partner ${String(i).padStart(width, '0')}`;
    await service.store.transaction(async (tx) => {
      for (let i = 1; i <= partners; i++) {
        await tx.partners.create({
          workspaceId: actor.workspaceId,
          name: name(i),
          stage: 'exploring',
          createdBy: USER,
          now,
        });
      }
    });
    // The same portfolio in a Teams tenant, searched through the Teams entry point.
    const teams = await service.rapport.identify('teams', TENANT, { memberId: 'aad-ada' }, now);
    await service.store.transaction(async (tx) => {
      for (let i = 1; i <= partners; i++) {
        await tx.partners.create({
          workspaceId: teams.actor.workspaceId,
          name: name(i),
          stage: 'exploring',
          createdBy: 'aad-ada',
          now,
        });
      }
    });
    const last = (await service.store.partners.findByName(actor.workspaceId, name(partners)))!;
    // The baseline is one indexed lookup on the same SQLite file.
    if (service.database.engine !== 'sqlite') throw new Error('The picker benchmark runs on SQLite.');
    const exact = service.database.store.db.prepare(
      'SELECT id, name FROM partners WHERE workspace_id = ? AND name_key = ?',
    );
    const key = name(Math.ceil(partners / 2)).toLowerCase();

    const search = (query: string, first: string) => async (): Promise<number> => {
      let found = '';
      const elapsed = await time(async () => {
        found = (await service.rapport.searchPartners(actor, query, now))[0]?.label ?? '';
      });
      if (found !== first) throw new Error(`searching "${query}" found ${found}`);
      return elapsed;
    };
    // A query found inside some names (Partner 0099, 0199, … 0990–0999, …), never at their start.
    const infix = '99';
    const firstInfix = (await service.rapport.searchPartners(actor, infix, now))[0]?.label ?? '';
    for (let i = 0; i < 50; i++) await search('partner', name(1))(); // warm-up
    const { baseline: coreBaseline, ...core } = await interleave(samples, {
      baseline: () => time(() => exact.get(actor.workspaceId, key)),
      [`search, prefix (100 of ${partners.toLocaleString('en')})`]: search('partner', name(1)),
      [`search, infix "${infix}"`]: search(infix, firstInfix),
      'search, nothing typed': search('', name(1)),
      'search, no match': async () => time(() => service.rapport.searchPartners(actor, 'volvo', now)),
      [`log form on partner #${partners.toLocaleString('en')}`]: () =>
        time(() => service.rapport.openLogForm(actor, now, { partnerId: last.id })),
    });

    for (let i = 0; i < 20; i++) {
      await suggest(rapportUrl, 'partner', name(1));
      await suggest(bareUrl, 'partner', 'Partner 0');
    }
    const { baseline: slackBaseline, ...slackCases } = await interleave(samples, {
      baseline: () => suggest(bareUrl, 'partner', 'Partner 0'),
      [`block_suggestion "${infix}"`]: () => suggest(rapportUrl, infix, firstInfix),
      'block_suggestion, nothing typed': () => suggest(rapportUrl, '', name(1)),
    });

    const teamsUrl = `http://127.0.0.1:${service.port}/api/messages`;
    for (let i = 0; i < 20; i++) {
      await teamsSearch(teamsUrl, connector.url, 'partner', name(1));
      await teamsSearch(bareTeams.url, connector.url, 'partner', 'Partner 0');
    }
    const { baseline: teamsBaseline, ...teamsCases } = await interleave(samples, {
      baseline: () => teamsSearch(bareTeams.url, connector.url, 'partner', 'Partner 0'),
      [`application/search "${infix}"`]: () => teamsSearch(teamsUrl, connector.url, infix, firstInfix),
      [`application/search "${name(partners).toLowerCase()}"`]: () =>
        teamsSearch(teamsUrl, connector.url, name(partners).toLowerCase(), name(partners)),
      'application/search, nothing typed': () => teamsSearch(teamsUrl, connector.url, '', name(1)),
    });

    return [
      ...latencyRows(
        `picker, ${partners.toLocaleString('en')} partners (core; target < 50 ms)`,
        'bare indexed SELECT',
        coreBaseline!,
        core,
      ),
      ...latencyRows(
        `picker, ${partners.toLocaleString('en')} partners (Slack; target < 50 ms)`,
        'bare Bolt options',
        slackBaseline!,
        slackCases,
      ),
      ...latencyRows(
        `picker, ${partners.toLocaleString('en')} partners (Teams; target < 50 ms)`,
        'bare CloudAdapter invoke',
        teamsBaseline!,
        teamsCases,
      ),
    ];
  } finally {
    await bare.stop();
    await bareTeams.close();
    await connector.close();
    await service.stop();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
