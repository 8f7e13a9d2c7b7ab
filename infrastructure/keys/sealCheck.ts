import { apiKeyCodec, KEY_STREAM_PREFIX } from '../eventStore/apiKeyCodec';
import type { EventStore } from '../eventStore/port';
import { hashKey, type KeySealer } from './keyCrypto';
import { SealSecretError } from './sealSecret';

/** Key events looked at for a sealed key (created, rotated, or imported with its plaintext). */
const SCAN_LIMIT = 100;

/**
 * Proves at start that the sealing secret opens the keys sealed in this store, by opening the
 * first sealed key of the log. A wrong secret would otherwise surface only at the first
 * renewal; the service refuses to start instead. An empty store proves nothing and passes.
 */
export async function assertSecretOpensStore(store: EventStore, sealer: KeySealer): Promise<void> {
  const events = await store.readAll({ streamPrefixes: [KEY_STREAM_PREFIX], maxCount: SCAN_LIMIT });
  for (const recorded of events) {
    const event = apiKeyCodec.fromRecorded(recorded);
    // A key imported by its SHA-256 only has no sealed copy.
    const sealed =
      event?.type === 'ApiKeyCreated' || event?.type === 'ApiKeyRotated' || event?.type === 'ApiKeyImported'
        ? event.data
        : undefined;
    if (!sealed?.sealedKey) continue;
    const { sealedKey, keyHash } = sealed;
    let opens = false;
    try {
      opens = hashKey(sealer.open(sealedKey, keyHash)) === keyHash;
    } catch {
      opens = false;
    }
    if (!opens)
      throw new SealSecretError(
        'the sealing secret (KEY_SEAL_SECRET, or seal.secret in DATA_DIR when it is unset) does not open the keys ' +
          'sealed in this store: start with the secret they were sealed with',
      );
    return;
  }
}
