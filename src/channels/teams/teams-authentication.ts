/**
 * Bot Framework authentication for the Teams channel, with the outbound policy every connector client it
 * makes follows: no retries of its own (the scheduler owns them) and a deadline on each request.
 */
import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { withDeadline } from '../deadline';

type ConnectorFactory = ReturnType<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>;
type ClaimsIdentity = Parameters<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>[0];
type AuthenticateRequest = ConfigurationBotFrameworkAuthentication['authenticateRequest'];
type AuthenticationConfig = ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[0];

/**
 * Bot Framework authentication whose connector clients never retry on their own and end every call by a
 * deadline.
 * - Retries: botbuilder's REST pipeline retries 429 and 5xx up to three more times, sleeping for
 *   `Retry-After` in between, and offers no option to turn that off. The scheduler owns retries (it
 *   reschedules the nudge and moves on), so a 429 must surface at once.
 * - Deadlines: a Bot Connector that accepts the connection and never answers would otherwise hold a send
 *   (and its delivery lease) for ever; each request is aborted `timeoutMs` after it starts.
 */
export class TeamsAuthentication extends ConfigurationBotFrameworkAuthentication {
  constructor(
    config: AuthenticationConfig,
    private readonly timeoutMs: number,
  ) {
    super(config);
  }

  override async authenticateRequest(
    ...args: Parameters<AuthenticateRequest>
  ): ReturnType<AuthenticateRequest> {
    const result = await super.authenticateRequest(...args);
    return result.connectorFactory
      ? { ...result, connectorFactory: withOutboundPolicy(result.connectorFactory, this.timeoutMs) }
      : result;
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return withOutboundPolicy(super.createConnectorFactory(claimsIdentity), this.timeoutMs);
  }
}

function withOutboundPolicy(factory: ConnectorFactory, timeoutMs: number): ConnectorFactory {
  return {
    create: async (serviceUrl: string, audience?: string) => {
      const client = await factory.create(serviceUrl, audience);
      applyOutboundPolicy(client, timeoutMs);
      return client;
    },
  };
}

/** What this module needs of a connector client's REST pipeline (`@azure/core-rest-pipeline`). */
interface RestPipeline {
  removePolicy(options: { phase: 'Retry' }): unknown;
  addPolicy(policy: {
    name: string;
    sendRequest(
      request: PipelineRequest,
      next: (request: PipelineRequest) => Promise<unknown>,
    ): Promise<unknown>;
  }): void;
}

interface PipelineRequest {
  abortSignal?: AbortSignalLike;
}

interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
}

/**
 * Takes the retry phase out of a connector client's REST pipeline and adds a deadline to each of its
 * requests. The pipeline sits on a member the typings mark private; if a botbuilder upgrade moves it, this
 * fails loudly rather than retrying silently or waiting for ever.
 */
export function applyOutboundPolicy(client: object, timeoutMs: number): void {
  const pipeline = (client as { client?: { pipeline?: RestPipeline } }).client?.pipeline;
  if (!pipeline || typeof pipeline.addPolicy !== 'function') {
    throw new Error('botbuilder connector client has no REST pipeline: cannot turn off its own retries');
  }
  pipeline.removePolicy({ phase: 'Retry' });
  pipeline.addPolicy({
    name: 'rapportDeadline',
    sendRequest: (request, next) => {
      request.abortSignal = deadlineSignal(request.abortSignal, timeoutMs);
      return next(request);
    },
  });
}

/** `given` (the SDK's own signal, possibly not a real `AbortSignal`) combined with a deadline. */
function deadlineSignal(given: AbortSignalLike | undefined, timeoutMs: number): AbortSignal {
  if (!given || given instanceof AbortSignal)
    return withDeadline(given as AbortSignal | undefined, timeoutMs);
  const controller = new AbortController();
  if (given.aborted) controller.abort();
  else given.addEventListener('abort', () => controller.abort(), { once: true });
  return withDeadline(controller.signal, timeoutMs);
}
