import type { Role } from '../../domain/roles';
import type { VerificationCode } from '../../domain/verification';

export type { Role, VerificationCode };

/** The answer of POST /api/apikey/verify. */
export interface VerifyAnswer {
  valid: boolean;
  code: VerificationCode;
  alias: string | null;
  name: string | null;
  roles: Role[] | null;
  /** ISO-8601 UTC. */
  expire: string | null;
  /** Whose key it is, and its metadata (null when unset or not found). */
  owner: string | null;
  meta: Record<string, unknown> | null;
}

/** The fields of a found key that an answer shows. */
export interface VerifiedKeyView {
  alias: string;
  name: string;
  roles: Role[];
  /** Epoch milliseconds. */
  expire: number;
  owner: string | null;
  meta: Record<string, unknown> | null;
}

/**
 * ISO-8601 text of an instant. toISOString costs ~1 us, as much as the rest of a verify answer
 * (bench/RESULTS.md); answers repeat the same instants of the keys in use, so texts are kept (bounded).
 */
const ISO_TEXTS = new Map<number, string>();
export function isoText(ms: number): string {
  let text = ISO_TEXTS.get(ms);
  if (text === undefined) {
    if (ISO_TEXTS.size >= 10_000) ISO_TEXTS.clear();
    ISO_TEXTS.set(ms, (text = new Date(ms).toISOString()));
  }
  return text;
}

/** One presenter for the endpoint and the in-process plugin, so that both answer alike. */
export function toVerifyAnswer({ code, view }: { code: VerificationCode; view?: VerifiedKeyView }): VerifyAnswer {
  return {
    valid: code === 'VALID',
    code,
    alias: view?.alias ?? null,
    name: view?.name ?? null,
    roles: view?.roles ?? null,
    expire: view ? isoText(view.expire) : null,
    owner: view?.owner ?? null,
    meta: view?.meta ?? null,
  };
}
