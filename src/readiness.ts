/**
 * `GET /readyz`: whether this process can do its work now, as three checks.
 * - database: a real write is accepted (a write probe, rolled back);
 * - platforms: each running platform channel's last call went through (or none was made yet);
 * - credentials: no workspace's sending is held because a platform refused our credentials, and no
 *   channel reports refused credentials of its own (OAuth installations, when a channel has them).
 * `/healthz` stays the liveness probe: it answers as long as the process serves HTTP.
 */
import { describeError } from './core/errors';
import type { Workspace } from './core/model';
import type { Store } from './core/ports';
import type { PlatformHealth } from './channels/platform-health';

export interface CheckResult {
  ok: boolean;
  [detail: string]: unknown;
}

export interface Readiness {
  ready: boolean;
  /** The names of the checks that failed. */
  failing: string[];
  checks: Record<string, CheckResult>;
}

export interface ReadinessSources {
  /** Throws when the database refuses a write. */
  probeWrite(): Promise<void>;
  /** One per running platform channel. */
  platforms: ReadonlyArray<{ health(): Promise<PlatformHealth> }>;
  workspaces: Pick<Store['workspaces'], 'listHeld'>;
  clock: () => Date;
  /**
   * Whether a workspace's held sending means the service's own credentials were refused (one configured
   * token), rather than one installation's (many workspaces, each with its own): only the former fails
   * readiness. Default: every hold does.
   */
  serviceWideHold?: (workspace: Workspace) => boolean;
}

export function readinessOf(sources: ReadinessSources): () => Promise<Readiness> {
  const checks: Record<string, () => Promise<CheckResult>> = {
    database: async () => {
      await sources.probeWrite();
      return { ok: true };
    },
    platforms: async () => {
      const reports = await Promise.all(sources.platforms.map((platform) => platform.health()));
      const failing = reports.filter((report) => report.lastCall && !report.lastCall.ok);
      return {
        ok: failing.length === 0,
        platforms: reports.map((report) => ({
          platform: report.platform,
          lastCall: report.lastCall
            ? {
                ok: report.lastCall.ok,
                at: report.lastCall.at.toISOString(),
                ...(report.lastCall.problem ? { problem: report.lastCall.problem } : {}),
              }
            : null,
        })),
      };
    },
    credentials: async () => {
      const held = await sources.workspaces.listHeld(sources.clock());
      const reports = await Promise.all(sources.platforms.map((platform) => platform.health()));
      const refused = reports.flatMap((report) =>
        (report.credentials ?? [])
          .filter((state) => state.refused)
          .map((state) => ({ platform: report.platform, name: state.name, detail: state.detail })),
      );
      const serviceWide = held.filter((workspace) => sources.serviceWideHold?.(workspace) ?? true);
      return {
        ok: serviceWide.length === 0 && refused.length === 0,
        sendingHeld: held.map((workspace) => ({
          workspace: workspace.id,
          until: workspace.sendingHeldUntil,
          reason: workspace.sendingHeldReason,
        })),
        ...(refused.length ? { refused } : {}),
      };
    },
  };
  return async () => {
    const results: Record<string, CheckResult> = {};
    for (const [name, run] of Object.entries(checks)) {
      try {
        results[name] = await run();
      } catch (error) {
        results[name] = { ok: false, problem: describeError(error) };
      }
    }
    const failing = Object.keys(results).filter((name) => !results[name]!.ok);
    return { ready: failing.length === 0, failing, checks: results };
  };
}
