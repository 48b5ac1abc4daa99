/**
 * `rapport rekey`: moves every stored token to a new encryption key in one transaction, so a failure (a
 * value sealed with neither key, a crash) leaves every token as it was. Values already sealed with the new
 * key are left alone, so running it twice is harmless.
 */
import type { Store } from './core/ports';
import type { TokenKey } from './token-crypto';
import { sealedKeyId } from './token-crypto';

export interface RekeyReport {
  /** Installations whose tokens were re-encrypted with the new key. */
  resealed: number;
  /** Installations already on the new key. */
  unchanged: number;
}

export function rekeyStoredTokens(store: Store, current: TokenKey, next: TokenKey): Promise<RekeyReport> {
  return store.transaction(async (tx) => {
    const report: RekeyReport = { resealed: 0, unchanged: 0 };
    for (const installation of await tx.installations.list()) {
      if (sealedKeyId(installation.sealedSecrets) === next.id) {
        report.unchanged += 1;
        continue;
      }
      // Throws for a value sealed with neither key: the transaction then changes nothing.
      const secrets = current.open(installation.sealedSecrets);
      await tx.installations.reseal(installation.id, next.seal(secrets));
      report.resealed += 1;
    }
    return report;
  });
}
