/**
 * Runs the real service with the Teams channel on a temporary SQLite file and port 0, against a loopback
 * fake Bot Connector, with a clock the test moves.
 */
import { sqliteDb } from '../../support/sqlite-of';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Activity } from 'botbuilder';
import type { TeamsAddressPayload } from '../../../src/channels/teams/teams-address';
import { loadConfig } from '../../../src/config';
import { startService } from '../../../src/main';
import { virtualPacing } from '../../support/virtual-pacing';
import type { Service } from '../../../src/main';
import { platformChannels } from '../../../src/platforms';
import { adaptiveCardProblems, cardsOf, textsOf } from '../../support/adaptive-cards';
import { FakeBotConnector } from '../../support/fake-bot-connector';
import type { ConnectorActivityRequest } from '../../support/fake-bot-connector';
import { postJson } from '../../support/http';
import type { JsonResponse } from '../../support/http';
import type { TeamsActivityOptions } from '../../support/teams-activities';

/** Monday 2 March 2026, 10:00 in Berlin: inside default working hours. */
export const T0 = new Date('2026-03-02T09:00:00Z');
export const DAY_MS = 86_400_000;

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Reuse a database directory (a restart); default a fresh temporary one. */
  dir?: string;
  connector?: FakeBotConnector;
  /** Whether `stop()` stops the connector; default: when the harness started it. */
  ownsConnector?: boolean;
  now?: Date;
}

export class TeamsHarness {
  private constructor(
    readonly service: Service,
    readonly connector: FakeBotConnector,
    readonly dir: string,
    private readonly ownsConnector: boolean,
    readonly env: Record<string, string>,
    private readonly clock: { now: Date },
    private readonly logBuffer: { text: string },
  ) {}

  static async start(options: HarnessOptions = {}): Promise<TeamsHarness> {
    const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'rapport-teams-'));
    const connector = options.connector ?? new FakeBotConnector();
    if (!options.connector) await connector.start();
    const env = {
      PORT: '0',
      DATABASE_PATH: path.join(dir, 'rapport.db'),
      TICK_SCHEDULE: 'off',
      DEFAULT_TIME_ZONE: 'UTC',
      LOG_LEVEL: 'info',
      ...(options.env ?? { TEAMS_ALLOW_UNAUTHENTICATED: 'true' }),
    };
    const logs = new PassThrough();
    const logBuffer = { text: '' };
    logs.on('data', (chunk: Buffer) => (logBuffer.text += chunk.toString('utf8')));
    const clock = { now: options.now ?? T0 };
    let service: Service;
    try {
      service = await startService(
        loadConfig(env),
        {
          stdin: new PassThrough(),
          stdout: new PassThrough(),
          logDestination: logs,
          clock: () => clock.now,
          pacing: virtualPacing(() => clock.now),
        },
        platformChannels,
      );
    } catch (error) {
      if (!options.connector) await connector.stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new TeamsHarness(
      service,
      connector,
      dir,
      options.ownsConnector ?? !options.connector,
      env,
      clock,
      logBuffer,
    );
  }

  /** The service's clock; tests move it. */
  get now(): Date {
    return this.clock.now;
  }

  set now(at: Date) {
    this.clock.now = at;
  }

  get url(): string {
    return `http://127.0.0.1:${this.service.port}/api/messages`;
  }

  /** What the service logged so far (pino JSON lines). */
  get logs(): string {
    return this.logBuffer.text;
  }

  /** Options for the activity builders: tenant A's member Asha in her personal chat, on this connector. */
  asha(extra: Partial<TeamsActivityOptions> = {}): TeamsActivityOptions {
    return {
      serviceUrl: this.connector.serviceUrl,
      tenantId: 'tenant-a',
      userId: '29:asha',
      aadObjectId: 'aad-asha',
      userName: 'Asha Rao',
      localTimezone: 'Europe/Berlin',
      ...extra,
    };
  }

  post<T = unknown>(
    activity: Partial<Activity> | unknown,
    headers: Record<string, string> = {},
  ): Promise<JsonResponse<T>> {
    return postJson<T>(this.url, activity, headers);
  }

  /** Posts an activity and expects a plain 200 (turns answer after their replies are sent). */
  async send(activity: Partial<Activity>): Promise<void> {
    const response = await this.post(activity);
    if (response.status !== 200) throw new Error(`expected 200, got ${response.status}: ${response.text}`);
  }

  /** Activities the fake connector received since `from` (an index into its request log). */
  activitiesSince(from: number): ConnectorActivityRequest[] {
    return this.connector
      .requests()
      .slice(from)
      .filter((r): r is ConnectorActivityRequest => r.activity !== undefined);
  }

  /** Problems with any Adaptive Card the connector received so far (each a card, a path and a problem). */
  cardProblems(): string[] {
    return this.activitiesSince(0).flatMap((request, index) =>
      cardsOf(request.activity).flatMap((card) =>
        adaptiveCardProblems(card).map(
          (problem) => `activity ${index} (${String(textsOf(card)[0])}): ${problem}`,
        ),
      ),
    );
  }

  mark(): number {
    return this.connector.requests().length;
  }

  tick(at: Date = this.now): ReturnType<Service['tick']> {
    this.now = at;
    return this.service.tick(at);
  }

  /** Rows of a query on the service's SQLite database. */
  rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
    return sqliteDb(this.service)
      .prepare(sql)
      .all(...params) as T[];
  }

  /** The stored Teams address payload of a member. */
  address(memberId = 'aad-asha', workspaceId = 'teams:tenant-a'): TeamsAddressPayload | undefined {
    const [row] = this.rows<{ address: string | null }>(
      'SELECT address FROM members WHERE workspace_id = ? AND id = ?',
      workspaceId,
      memberId,
    );
    return row?.address ? (JSON.parse(row.address) as { payload: TeamsAddressPayload }).payload : undefined;
  }

  /** Stops this service and starts another on the same database and connector. */
  async restart(): Promise<TeamsHarness> {
    await this.service.stop();
    return TeamsHarness.start({
      dir: this.dir,
      connector: this.connector,
      ownsConnector: this.ownsConnector,
      env: this.env,
      now: this.now,
    });
  }

  async stop(): Promise<void> {
    await this.service.stop();
    if (this.ownsConnector) await this.connector.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
