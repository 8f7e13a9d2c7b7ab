import { aliasLookupSpellings } from '../../domain';

/**
 * Looks an alias up under each spelling it may be stored as: as given (aliases stored before
 * NFC normalization keep working), then NFC (how aliases are stored now).
 */
export async function findByAlias<T>(
  given: string,
  find: (alias: string) => Promise<T | undefined | null>,
): Promise<T | undefined> {
  for (const alias of aliasLookupSpellings(given)) {
    const found = await find(alias);
    if (found !== undefined && found !== null) return found;
  }
  return undefined;
}

/** The same, for a lookup that answers at once (the read model): no promise per request. */
export function findByAliasNow<T>(given: string, find: (alias: string) => T | undefined): T | undefined {
  for (const alias of aliasLookupSpellings(given)) {
    const found = find(alias);
    if (found !== undefined) return found;
  }
  return undefined;
}
