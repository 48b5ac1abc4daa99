/**
 * The composition root: config → logger → store → core → channels → scheduler → http.
 * Everything is built here with constructor arguments; nothing else creates singletons.
 */
import { userInfo } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { Config } from './config';
import { databasePassword } from './config';
import { ShellChannel, ShellSession } from './channels/shell/shell-channel';
import type { Platform } from './core/model';
import type { Channel, Logger } from './core/ports';
import { describeError } from './core/errors';
import { Rapport } from './core/rapport';
import type { ChannelDeps, PlatformChannel, PlatformFactory } from './channels/platform-channel';
import type { HttpServer } from './http/server';
import { createHttpServer, isLoopbackHost } from './http/server';
import { createLogger } from './logger';
import { ObservedChannel } from './channels/platform-health';
import type { Metrics } from './core/metrics-port';
import { NO_METRICS } from './core/metrics-port';
import { bearerMatches, PrometheusMetrics } from './metrics';
import { readinessOf } from './readiness';
import { ChannelStatusPoster } from './scheduler/channel-status';
import { DigestScheduler } from './scheduler/digest-scheduler';
import { NudgeScheduler } from './scheduler/nudge-scheduler';
import type { SchedulerOptions, TickReport } from './scheduler/nudge-scheduler';
import { startTicker } from './scheduler/ticker';
import { purgeUninstalledWorkspaces } from './scheduler/uninstalled-retention';
import type { Ticker } from './scheduler/ticker';
import { openDatabase } from './store/database';
import type { Database } from './store/database';
import type { Store } from './core/ports';

export interface ServiceIO {
  stdin: Readable;
  stdout: Writable;
  /** Where logs go: a file descriptor or stream (default stderr). */
  logDestination?: number | NodeJS.WritableStream;
  /** The one clock of the process. */
  clock?: () => Date;
  /** Show a prompt and colours (an interactive terminal). */
  interactive?: boolean;
  /**
   * Build everything but run nothing on its own: no terminal session, no HTTP server, no cron task.
   * For one-off commands such as `rapport tick`.
   */
  oneShot?: boolean;
  /** Where the terminal channel writes exported files (default `./exports`). */
  exportDir?: string;
  /**
   * The clock and wait used to pace sends (default: the real monotonic clock and timers). Tests that move
   * the service clock by hand move this one with it, so that a minute of pacing takes no real minute.
   */
  pacing?: Pick<SchedulerOptions, 'monotonic' | 'sleep'>;
  /** See `ChannelDeps.slackAckBudgetMs`. */
  slackAckBudgetMs?: number;
}

/** A running Rapport. `stop()` stops the cron task, the channels, the HTTP server and the database. */
export interface Service {
  readonly mode: 'shell' | 'server';
  readonly port: number | null;
  readonly logger: Logger;
  readonly store: Store;
  /** The engine under the store (SQLite or PostgreSQL), with its operator tools. */
  readonly database: Database;
  readonly rapport: Rapport;
  readonly scheduler: NudgeScheduler;
  readonly digestScheduler: DigestScheduler;
  /** Resolves when the terminal session ends (end of input or `quit`); never in server mode. */
  readonly finished: Promise<void>;
  tick(now: Date): Promise<TickReport>;
  stop(): Promise<void>;
}

/** How long a stop waits for sends under way. */
const DRAIN_TIMEOUT_MS = 10_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

const noPlatforms: PlatformFactory = async () => [];

export async function startService(
  config: Config,
  io: ServiceIO,
  platforms: PlatformFactory = noPlatforms,
): Promise<Service> {
  const clock = io.clock ?? (() => new Date());
  const shellMode = !config.slack && !config.teams;
  // Every line, from every part of the service, is scrubbed of the configured secrets before it is written.
  const logger = createLogger(
    config.logLevel ?? (shellMode ? 'warn' : 'info'),
    io.logDestination ?? 2,
    [
      config.slack?.botToken,
      config.slack?.appToken,
      config.slack?.signingSecret,
      config.slack?.oauth?.clientSecret,
      config.slack?.oauth?.stateSecret,
      config.teams?.appPassword,
      config.tokenEncryptionKey,
      config.metricsToken,
      databasePassword(config),
    ],
    config.logFormat,
  );
  const database = await openDatabase(config, (what, detail) =>
    logger.warn(detail, `stored ${what} is unreadable; it is skipped or read as a safe default`),
  );
  const { store } = database;
  const oneShot = io.oneShot ?? false;
  // Prometheus metrics where they can be scraped (the HTTP server); nothing counted elsewhere.
  const prometheus =
    !shellMode && !oneShot ? new PrometheusMetrics({ openNudges: () => database.countOpenNudges() }) : null;
  const metrics: Metrics = prometheus ?? NO_METRICS;
  const rapport = new Rapport({
    store,
    logger,
    defaultTimeZone: config.defaultTimeZone,
    metrics,
    retentionDays: config.retentionDays,
    monotonic: () => performance.now(),
  });
  const channelDeps: ChannelDeps = { logger, rapport, clock, slackAckBudgetMs: io.slackAckBudgetMs };

  const channels = new Map<Platform, Channel>();
  const shellChannel = new ShellChannel(io.stdout, io.interactive ?? false, io.exportDir);
  // Shell nudges are printed wherever Rapport runs in a terminal, so `rapport tick` shows them too.
  channels.set('shell', shellChannel);
  const started: PlatformChannel[] = shellMode ? [] : await platforms(config, channelDeps);
  // Each platform's sends are watched: the last call's outcome for /readyz, rate limits for /metrics.
  const observed = started.map(
    (platform) =>
      new ObservedChannel(
        platform.channel,
        metrics,
        clock,
        platform.credentials,
        platform.channel.platform === 'slack' && Boolean(config.slack?.oauth),
      ),
  );
  for (const channel of observed) channels.set(channel.platform, channel);

  const scheduler = new NudgeScheduler(store, rapport, channels, logger, {
    dailyCap: config.dailyCap,
    workspaceRatePerSecond: config.workspaceRatePerSecond,
    metrics,
    retentionDays: config.retentionDays,
    // Instances on one PostgreSQL database pace, wait out a Retry-After and take turns through it, on the
    // wall clock they share.
    ...(database.sharedSendSlots ? { sendSlots: database.sharedSendSlots, monotonic: () => Date.now() } : {}),
    ...io.pacing,
  });
  const digestScheduler = new DigestScheduler(
    store,
    rapport,
    channels,
    logger,
    scheduler.gate,
    scheduler.failures,
  );
  // A partner's weekly status, in its channel when its owners chose so.
  const channelStatus = new ChannelStatusPoster(
    store,
    rapport,
    channels,
    logger,
    scheduler.gate,
    scheduler.failures,
  );
  // Nudges first, then digests, so a digest reflects what this pass delivered.
  // Every pass under way, whoever started it (cron, `tick` in the terminal), so a stop can wait for it.
  const passes = new Set<Promise<unknown>>();
  const tick = (now: Date): Promise<TickReport> => {
    const pass = (async () => {
      const passDone = metrics.passStarted();
      try {
        const report = await scheduler.runDue(now);
        const digests = await digestScheduler.runDue(now);
        await channelStatus.runDue(now);
        await purgeUninstalledWorkspaces(rapport, logger, now, config.uninstalledRetentionDays);
        return { ...report, digests: digests.sent };
      } finally {
        passDone();
      }
    })();
    passes.add(pass);
    void pass.finally(() => passes.delete(pass)).catch(() => undefined);
    return pass;
  };

  let http: HttpServer | null = null;
  let port: number | null = null;
  if (!shellMode && !oneShot) {
    try {
      for (const platform of started) await platform.start?.();
    } catch (error) {
      // A platform that cannot start (e.g. a refused token) must not leave the others or the database open.
      for (const platform of started) await platform.stop().catch(() => undefined);
      await store.close();
      throw error;
    }
    http = createHttpServer(
      [
        ...started.flatMap((platform) => platform.routes),
        ...(prometheus ? [prometheus.route(config.metricsToken)] : []),
      ],
      logger,
      async () => ({
        channels: [...channels.keys()].filter((c) => c !== 'shell'),
        // Workspaces whose platform refused our credentials: their nudges wait for a probe to succeed.
        sendingHeld: (await store.workspaces.listHeld(clock())).map((workspace) => ({
          workspace: workspace.id,
          until: workspace.sendingHeldUntil,
          reason: workspace.sendingHeldReason,
        })),
      }),
      readinessOf({
        probeWrite: () => database.probeWrite(),
        platforms: observed,
        workspaces: store.workspaces,
        clock,
        // With many Slack workspaces (OAuth), one workspace's refused token is that workspace's business,
        // not a reason to take the whole service out of rotation; a single configured token is everyone's.
        serviceWideHold: (workspace) => workspace.platform !== 'slack' || !config.slack?.oauth,
      }),
      // The probes' details name workspaces and errors: for the metrics token's holder, or this machine.
      (req) =>
        config.metricsToken
          ? bearerMatches(req.headers.authorization, config.metricsToken)
          : isLoopbackHost(req.socket.remoteAddress ?? ''),
    );
    port = await http.listen(config.port);
    logger.info({ port, channels: started.map((p) => p.channel.platform) }, 'rapport listening');
  }

  let finished: Promise<void> = new Promise<void>(() => undefined);
  const session =
    shellMode && !oneShot
      ? new ShellSession({
          rapport,
          channel: shellChannel,
          input: io.stdin,
          clock,
          tick,
          logger,
          memberName: safeUserName(),
          prompt: io.interactive ?? false,
        })
      : null;
  // In the terminal, `tick DATE` moves the chat's clock: the background passes follow it too.
  const passClock = session ? () => session.now() : clock;
  const ticker: Ticker | null =
    config.tickSchedule && !oneShot ? startTicker(config.tickSchedule, tick, logger, passClock) : null;
  if (session) finished = session.run();

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Order: no new requests, no new passes; sends under way finish (bounded); then the channels, the
      // HTTP server and the database close, each even if an earlier step failed. A nudge cut off by the
      // bound keeps its lease, which expires, so it is delivered after the next start.
      const closingHttp = http?.close();
      scheduler.stop(); // closes the send gate, which the digest shares
      await Promise.race([Promise.allSettled([ticker?.stop(), ...passes]), delay(DRAIN_TIMEOUT_MS)]);
      for (const platform of started) {
        await platform
          .stop()
          .catch((error: unknown) => logger.error({ err: describeError(error) }, 'channel stop failed'));
      }
      await closingHttp?.catch((error: unknown) =>
        logger.error({ err: describeError(error) }, 'HTTP close failed'),
      );
      await store.close();
    })();
    return stopping;
  };

  if (oneShot) finished = Promise.resolve();
  return {
    mode: shellMode ? 'shell' : 'server',
    port,
    logger,
    store,
    database,
    rapport,
    scheduler,
    digestScheduler,
    finished,
    tick,
    stop,
  };
}

function safeUserName(): string {
  try {
    return userInfo().username || 'you';
  } catch {
    return 'you';
  }
}
