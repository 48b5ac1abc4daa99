/**
 * What a platform channel tells operators about itself: how its last call to the platform went, and (for
 * platforms with several installations, such as Slack installed by OAuth in many workspaces) which
 * credentials the platform refused. `/readyz` and `rapport doctor` read it; channels fill it in.
 */
import { ChannelError } from '../core/errors';
import type { Message } from '../core/messages';
import type { Metrics } from '../core/metrics-port';
import type { Address } from '../core/model';
import type { Channel, DeliveryReceipt } from '../core/ports';

/** How one call to the platform ended. */
export interface PlatformCall {
  /** False when the platform could not be reached or refused our credentials. */
  ok: boolean;
  at: Date;
  /** What went wrong, for operators (never a token). */
  problem?: string;
}

/** One set of credentials (a bot token, an OAuth installation, a Teams app) as the platform last judged it. */
export interface CredentialState {
  /** Which credentials: `SLACK_BOT_TOKEN`, or the workspace an installation belongs to. */
  name: string;
  refused: boolean;
  detail?: string;
}

export interface PlatformHealth {
  platform: string;
  /** Null before the first call. */
  lastCall: PlatformCall | null;
  /** Credentials the channel holds besides the configured ones (OAuth installations), when it has any. */
  credentials?: CredentialState[];
}

/** A source of credential states, for channels that hold more than one token (OAuth installations). */
export type CredentialReporter = () => Promise<CredentialState[]>;

/**
 * A channel whose calls to the platform are watched: the outcome of the last one is kept for `/readyz`,
 * and rate limits are counted. A failure the platform answered about one member or one message (a blocked
 * DM, a malformed message) or a rate limit still shows the platform up and our credentials accepted; an
 * unreachable platform (`UNAVAILABLE`) or refused credentials (`AUTH`) do not.
 */
export class ObservedChannel implements Channel {
  readonly platform: Channel['platform'];
  private last: PlatformCall | null = null;

  constructor(
    private readonly inner: Channel,
    private readonly metrics: Metrics,
    private readonly clock: () => Date,
    private readonly credentials?: CredentialReporter,
    /**
     * Each workspace brings its own token (Slack installed through OAuth): a refused token is that
     * workspace's (its sending is held), not the platform's.
     */
    private readonly tokenPerWorkspace = false,
  ) {
    this.platform = inner.platform;
    if (inner.update)
      this.update = (address, ref, message) => this.watch(() => inner.update!(address, ref, message));
  }

  update?: (address: Address, messageRef: unknown, message: Message) => Promise<void>;

  deliver(address: Address, message: Message): Promise<DeliveryReceipt> {
    return this.watch(() => this.inner.deliver(address, message));
  }

  async health(): Promise<PlatformHealth> {
    return {
      platform: this.platform,
      lastCall: this.last,
      ...(this.credentials ? { credentials: await this.credentials() } : {}),
    };
  }

  private async watch<T>(call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.last = { ok: true, at: this.clock() };
      return result;
    } catch (error) {
      const code = error instanceof ChannelError ? error.code : 'UNAVAILABLE';
      if (code === 'RATE_LIMITED')
        this.metrics.rateLimited(this.platform, ((error as ChannelError).retryAfterMs ?? 1000) / 1000);
      const failed = code === 'UNAVAILABLE' || (code === 'AUTH' && !this.tokenPerWorkspace);
      this.last = failed
        ? { ok: false, at: this.clock(), problem: error instanceof Error ? error.message : String(error) }
        : { ok: true, at: this.clock() };
      throw error;
    }
  }
}
