/**
 * Where the core and the scheduler get a workspace's playbook: the default with the workspace's overrides,
 * cached per workspace and read again after `invalidate` (every change through `playbook …` invalidates).
 * Overrides that no longer make a valid playbook with the default (the default changed under them) are
 * logged and the default is used, so one workspace's stale change never stops its nudges.
 */
import { describeError } from '../errors';
import type { Logger, PlaybookOverrideRepository, PlaybookSource } from '../ports';
import type { Playbook } from './playbook';
import { workspacePlaybook } from './overrides';

/** Workspaces whose playbook is kept in memory; the oldest cached goes first. */
const CACHED_WORKSPACES = 1000;

/** How long a cached playbook is trusted when another process may change it (see `staleAfter`). */
export const PLAYBOOK_CACHE_MS = 60_000;

export class CachedPlaybookSource implements PlaybookSource {
  private readonly cache = new Map<string, { playbook: Playbook; readAt: number }>();

  constructor(
    private readonly overrides: PlaybookOverrideRepository,
    readonly defaultPlaybook: Playbook,
    private readonly logger: Logger,
    /**
     * A monotonic clock (ms) and how long a cached playbook is kept: another instance of the service may
     * change a workspace's playbook, and only this process's changes invalidate its cache. Without a clock
     * (one process: tests, the command line) a cached playbook is kept until invalidated.
     */
    private readonly staleAfter?: { monotonic: () => number; ms: number },
  ) {}

  get default(): Playbook {
    return this.defaultPlaybook;
  }

  async forWorkspace(workspaceId: string): Promise<Playbook> {
    const cached = this.cache.get(workspaceId);
    const now = this.staleAfter?.monotonic() ?? 0;
    if (cached && (!this.staleAfter || now - cached.readAt < this.staleAfter.ms)) return cached.playbook;
    const overrides = await this.overrides.list(workspaceId);
    let playbook = this.defaultPlaybook;
    if (overrides.length) {
      try {
        playbook = workspacePlaybook(this.defaultPlaybook, overrides);
      } catch (error) {
        this.logger.error(
          { workspaceId, err: describeError(error) },
          'workspace playbook invalid; using the default',
        );
      }
    }
    if (this.cache.size >= CACHED_WORKSPACES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.delete(workspaceId);
    this.cache.set(workspaceId, { playbook, readAt: now });
    return playbook;
  }

  invalidate(workspaceId: string): void {
    this.cache.delete(workspaceId);
  }
}
