/**
 * Runs the real service with the Slack channel on port 0 against a loopback fake Slack Web API,
 * on a temporary SQLite file, with a clock the test sets. Requests are signed as Slack signs them.
 */
import { sqliteDb } from '../../support/sqlite-of';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../../src/config';
import { startService } from '../../../src/main';
import { virtualPacing } from '../../support/virtual-pacing';
import type { Service } from '../../../src/main';
import { platformChannels } from '../../../src/platforms';
import { FakeSlackApi } from '../../support/fake-slack-api';
import type { SlackResponseUrlPost } from '../../support/fake-slack-api';
import {
  appHomeOpenedEvent,
  blockActionsBody,
  blockSuggestionBody,
  eventBody,
  postToSlack,
  slashCommandBody,
  viewSubmissionBody,
} from '../../support/slack-requests';
import type {
  BlockActionsOptions,
  BlockSuggestionOptions,
  SlackPostResult,
  SlashCommandOptions,
  ViewSubmissionOptions,
} from '../../support/slack-requests';

export const SIGNING_SECRET = 'test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-token';
export const TEAM = 'T0RAPPORT';
export const USER = 'U0ASHA';
/** A Monday, 10:00 UTC: inside default working hours. */
export const MONDAY = new Date('2026-03-02T10:00:00.000Z');
export const DAY_MS = 86_400_000;

let responseIds = 0;

export interface SlackHarness {
  fake: FakeSlackApi;
  service: Service;
  /** `http://127.0.0.1:PORT/slack/events` */
  eventsUrl: string;
  /** Every log line the service wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  now(): Date;
  setNow(at: Date): void;
  /** POSTs a raw body signed with the signing secret. */
  post(
    body: string,
    extra?: { contentType?: string; timestamp?: number; signature?: string | null },
  ): Promise<SlackPostResult>;
  /**
   * Sends `/partner text` and returns its ephemeral reply: the acknowledgement's body when the command
   * answered in it, otherwise the first post to its response_url.
   */
  command(text: string, options?: Partial<SlashCommandOptions>): Promise<SlackResponseUrlPost>;
  /** Sends `/partner text` and resolves once the HTTP answer is in (no waiting for a reply). */
  commandRaw(
    text: string,
    options?: Partial<SlashCommandOptions>,
  ): Promise<{ result: SlackPostResult; responseId: string }>;
  click(
    options: Partial<BlockActionsOptions> & { actionId: string },
  ): Promise<{ result: SlackPostResult; responseId: string }>;
  submit(
    options: Partial<ViewSubmissionOptions> & { values: ViewSubmissionOptions['values'] },
  ): Promise<SlackPostResult>;
  /** Types `value` into a modal's `external_select` and returns Slack's answer (the options, as JSON). */
  suggest(value: string, options?: Partial<BlockSuggestionOptions>): Promise<SlackPostResult>;
  openHome(
    userId?: string,
    options?: { tab?: 'home' | 'messages'; teamId?: string },
  ): Promise<SlackPostResult>;
  sql<T = Record<string, unknown>>(query: string, ...params: unknown[]): T[];
  stop(): Promise<void>;
}

/** The Enterprise Grid organisation of {@link installOrgWide} tests. */
export const GRID = 'E0GRID';

/**
 * Makes the fake describe an org-wide install in `enterpriseId`: `auth.test` says so, and `users.info`
 * places every user in that organisation (on the fake's team and `T0SECOND`).
 */
export function installOrgWide(fake: FakeSlackApi, enterpriseId = GRID): void {
  fake.setResponder('auth.test', (_call, defaults) => ({
    ...defaults(),
    enterprise_id: enterpriseId,
    is_enterprise_install: true,
  }));
  fake.setResponder('users.info', (_call, defaults) => {
    const reply = defaults();
    const user = reply.user as Record<string, unknown> | undefined;
    if (!user) return reply;
    return {
      ...reply,
      user: {
        ...user,
        enterprise_user: { id: user.id, enterprise_id: enterpriseId, teams: [fake.teamId, 'T0SECOND'] },
      },
    };
  });
}

export async function startSlackHarness(
  options: {
    env?: Record<string, string>;
    now?: Date;
    fake?: FakeSlackApi;
    /** Install the app org-wide in this organisation ({@link installOrgWide}). */
    orgWide?: string;
    /**
     * How long a slash command may run before it is acknowledged empty. By default longer than any test
     * waits, so that replies come in the acknowledgement however busy the machine is.
     */
    ackBudgetMs?: number;
  } = {},
): Promise<SlackHarness> {
  const fake = options.fake ?? new FakeSlackApi();
  if (!options.fake) await fake.start();
  if (options.orgWide) installOrgWide(fake, options.orgWide);
  const dir = mkdtempSync(join(tmpdir(), 'rapport-slack-'));
  let now = options.now ?? MONDAY;
  const logs: Array<Record<string, unknown>> = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  const config = loadConfig({
    PORT: '0',
    DATABASE_PATH: join(dir, 'rapport.db'),
    LOG_LEVEL: 'debug',
    TICK_SCHEDULE: 'off',
    DEFAULT_TIME_ZONE: 'UTC',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    ...options.env,
  });
  let service: Service;
  try {
    service = await startService(
      config,
      {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        logDestination: logStream,
        clock: () => now,
        pacing: virtualPacing(() => now),
        slackAckBudgetMs: options.ackBudgetMs ?? 60_000,
      },
      platformChannels,
    );
  } catch (error) {
    if (!options.fake) await fake.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const eventsUrl = `http://127.0.0.1:${service.port}/slack/events`;

  const post: SlackHarness['post'] = (body, extra = {}) =>
    postToSlack(eventsUrl, { secret: SIGNING_SECRET, body, ...extra });

  const commandRaw: SlackHarness['commandRaw'] = async (text, overrides = {}) => {
    const responseId = `cmd-${++responseIds}`;
    const body = slashCommandBody({
      teamId: TEAM,
      userId: USER,
      text,
      responseUrl: fake.responseUrl(responseId),
      ...overrides,
    });
    return { result: await post(body), responseId };
  };

  return {
    fake,
    service,
    eventsUrl,
    logs,
    now: () => now,
    setNow: (at) => {
      now = at;
    },
    post,
    commandRaw,
    command: async (text, overrides = {}) => {
      const { result, responseId } = await commandRaw(text, overrides);
      if (result.status !== 200) throw new Error(`/partner ${text} answered ${result.status}`);
      // A command done within the budget answers in the acknowledgement; a slower one on its response_url.
      const acknowledged = result.json as Record<string, unknown> | undefined;
      if (acknowledged && typeof acknowledged === 'object' && typeof acknowledged.text === 'string')
        return { id: responseId, body: acknowledged, headers: {}, at: Date.now() };
      return fake.waitForResponse(responseId);
    },
    click: async (overrides) => {
      const responseId = `click-${++responseIds}`;
      const body = blockActionsBody({
        teamId: TEAM,
        userId: USER,
        ...(overrides.source === 'home' ? {} : { responseUrl: fake.responseUrl(responseId) }),
        ...overrides,
      });
      return { result: await post(body), responseId };
    },
    submit: (overrides) =>
      post(
        viewSubmissionBody({
          teamId: TEAM,
          userId: USER,
          callbackId: 'log-interaction',
          ...overrides,
        }),
      ),
    suggest: (value, overrides = {}) =>
      post(
        blockSuggestionBody({
          teamId: TEAM,
          userId: USER,
          actionId: 'search:partners',
          value,
          ...overrides,
        }),
      ),
    openHome: (userId = USER, homeOptions = {}) =>
      post(
        eventBody({
          teamId: homeOptions.teamId ?? TEAM,
          event: appHomeOpenedEvent(userId, { tab: homeOptions.tab ?? 'home' }),
        }),
      ),
    sql: <T>(query: string, ...params: unknown[]) =>
      sqliteDb(service)
        .prepare(query)
        .all(...params) as T[],
    stop: async () => {
      await service.stop();
      if (!options.fake) await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The values a valid log-interaction submission carries, by block id and action id. */
export function logValues(fields: {
  partner?: string;
  kind?: string;
  date?: string;
  note?: string;
  rating?: string;
}): ViewSubmissionOptions['values'] {
  const values: ViewSubmissionOptions['values'] = {};
  if (fields.partner !== undefined)
    values.partner = { partner: { type: 'static_select', selected_option: { value: fields.partner } } };
  if (fields.kind !== undefined)
    values.kind = { kind: { type: 'static_select', selected_option: { value: fields.kind } } };
  if (fields.date !== undefined) values.date = { date: { type: 'datepicker', selected_date: fields.date } };
  values.note = { note: { type: 'plain_text_input', value: fields.note ?? null } };
  values.rating = {
    rating: {
      type: 'static_select',
      selected_option: fields.rating ? { value: fields.rating } : null,
    },
  };
  return values;
}

/** Texts of all blocks of a message or view, joined, for loose assertions. */
export function blockText(blocks: unknown): string {
  return JSON.stringify(blocks ?? []);
}

/** An element of an actions block: a button, or an overflow menu with its options. */
export interface ActionElement {
  type: string;
  action_id?: string;
  value?: string;
  options?: Array<{ value: string; text: { text: string } }>;
}

/** Every element of every actions block in some blocks. */
export function actionElements(blocks: unknown): ActionElement[] {
  const out: ActionElement[] = [];
  for (const block of (blocks as Array<{ type: string; elements?: ActionElement[] }>) ?? []) {
    if (block.type === 'actions') out.push(...(block.elements ?? []));
  }
  return out;
}

/**
 * The choice ids some blocks offer, in order: each button's action id, and the value of each option of an
 * overflow menu (where secondary choices such as snooze and dismiss wait).
 */
export function actionIds(blocks: unknown): string[] {
  return actionElements(blocks).flatMap((element) =>
    element.type === 'overflow'
      ? (element.options ?? []).map((option) => option.value)
      : element.action_id
        ? [element.action_id]
        : [],
  );
}
