/**
 * Prometheus metrics (prom-client), served at `GET /metrics`. Each service has its own `Registry`, never
 * the process-wide default, so several services (tests) can run in one process. The scheduler, the core
 * and the channels only see the small {@link Metrics} interface; this is its one real implementation.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics } from './core/metrics-port';
import type { Route } from './http/server';

/** Open nudges by rule, read from the store when Prometheus scrapes (one indexed count). */
export type OpenNudgeCounter = () => Promise<Record<string, number>>;

export interface PrometheusMetricsOptions {
  /** Read on each scrape for the `rapport_open_nudges` gauge. */
  openNudges?: OpenNudgeCounter;
  /** Node's own metrics (event-loop lag, memory, GC…) in the output (default true). */
  processMetrics?: boolean;
}

/** From due to sent: nudges wait for working hours and the daily cap, so the tail is days long. */
const DELIVERY_LATENCY_BUCKETS = [60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400, 7 * 86_400];
/** Commands answer within Slack's 3 s; most take milliseconds. */
const COMMAND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const PASS_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120];
const RETRY_AFTER_BUCKETS = [1, 5, 10, 30, 60, 300, 900, 3600];

let processRegistry: Registry | null = null;

/**
 * Node's own metrics — event-loop lag (`nodejs_eventloop_lag_*`, sampled every 10 ms), memory, GC,
 * handles — in a registry of their own, made once per process: they describe the process, not a service,
 * and prom-client's collectors (an event-loop delay monitor, a GC observer) are never switched off, so a
 * process that starts several services (tests) must not start them again for each.
 */
function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
  }
  return processRegistry;
}

export class PrometheusMetrics implements Metrics {
  /** This service's metrics (never prom-client's global registry). */
  readonly registry = new Registry();
  private readonly process: Registry | null;
  private readonly created: Counter<'rule' | 'platform'>;
  private readonly sent: Counter<'rule' | 'platform'>;
  private readonly failed: Counter<'rule' | 'platform'>;
  private readonly deliveryLatency: Histogram<'platform'>;
  private readonly commandLatency: Histogram<'command'>;
  private readonly rateLimitWaits: Histogram<'platform'>;
  private readonly passDuration: Histogram;

  constructor(options: PrometheusMetricsOptions = {}) {
    const registers = [this.registry];
    this.created = new Counter({
      name: 'rapport_nudges_created_total',
      help: 'Nudges created, one per owner, by playbook rule and platform.',
      labelNames: ['rule', 'platform'],
      registers,
    });
    this.sent = new Counter({
      name: 'rapport_nudges_sent_total',
      help: 'Nudges delivered, by playbook rule and platform.',
      labelNames: ['rule', 'platform'],
      registers,
    });
    this.failed = new Counter({
      name: 'rapport_nudges_failed_total',
      help: 'Nudges given up as failed, by playbook rule and platform.',
      labelNames: ['rule', 'platform'],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'rapport_nudge_delivery_latency_seconds',
      help: 'Time from a nudge falling due to its delivery (working hours and the daily cap included).',
      labelNames: ['platform'],
      buckets: DELIVERY_LATENCY_BUCKETS,
      registers,
    });
    this.commandLatency = new Histogram({
      name: 'rapport_command_duration_seconds',
      help: 'Time to answer a command, by command name.',
      labelNames: ['command'],
      buckets: COMMAND_BUCKETS,
      registers,
    });
    this.rateLimitWaits = new Histogram({
      name: 'rapport_rate_limit_wait_seconds',
      help: 'Retry-After asked by a platform that rate-limited a send, by platform.',
      labelNames: ['platform'],
      buckets: RETRY_AFTER_BUCKETS,
      registers,
    });
    this.passDuration = new Histogram({
      name: 'rapport_scheduler_pass_duration_seconds',
      help: 'Duration of one scheduler pass (nudges, then digests).',
      buckets: PASS_BUCKETS,
      registers,
    });
    const openNudges = options.openNudges;
    if (openNudges) {
      new Gauge({
        name: 'rapport_open_nudges',
        help: 'Nudges open now (pending, snoozed or sent and unanswered), by playbook rule.',
        labelNames: ['rule'],
        registers,
        async collect() {
          this.reset();
          for (const [rule, count] of Object.entries(await openNudges())) this.set({ rule }, count);
        },
      });
    }
    this.process = options.processMetrics === false ? null : processMetricsRegistry();
  }

  nudgeCreated(rule: string, platform: string): void {
    this.created.inc({ rule, platform });
  }

  nudgeSent(rule: string, platform: string, dueAt: Date, sentAt: Date): void {
    this.sent.inc({ rule, platform });
    this.deliveryLatency.observe({ platform }, Math.max(0, (sentAt.getTime() - dueAt.getTime()) / 1000));
  }

  nudgeFailed(rule: string, platform: string): void {
    this.failed.inc({ rule, platform });
  }

  commandStarted(): (command: string) => void {
    const end = this.commandLatency.startTimer();
    return (command) => end({ command });
  }

  rateLimited(platform: string, retryAfterSeconds: number): void {
    this.rateLimitWaits.observe({ platform }, Math.max(0, retryAfterSeconds));
  }

  passStarted(): () => void {
    const end = this.passDuration.startTimer();
    return () => void end();
  }

  /** The `/metrics` route, on the service's HTTP server. With a token, only `Authorization: Bearer TOKEN`. */
  route(token: string | null): Route {
    return {
      method: 'GET',
      path: '/metrics',
      handler: async (req, res) => {
        if (token && !bearerMatches(req.headers.authorization, token)) {
          res.writeHead(401, { 'www-authenticate': 'Bearer' });
          res.end();
          return;
        }
        await this.write(res);
      },
    };
  }

  /** The exposition text: this service's metrics, then the process's. */
  async text(): Promise<string> {
    const own = await this.registry.metrics();
    return this.process ? `${own}\n${await this.process.metrics()}` : own;
  }

  private async write(res: ServerResponse): Promise<void> {
    const text = await this.text();
    res.writeHead(200, {
      'content-type': this.registry.contentType,
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }
}

export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
