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

/** One presenter for the endpoint and the in-process plugin, so that both answer alike. */
export function toVerifyAnswer({ code, view }: { code: VerificationCode; view?: VerifiedKeyView }): VerifyAnswer {
  return {
    valid: code === 'VALID',
    code,
    alias: view?.alias ?? null,
    name: view?.name ?? null,
    roles: view?.roles ?? null,
    expire: view ? new Date(view.expire).toISOString() : null,
    owner: view?.owner ?? null,
    meta: view?.meta ?? null,
  };
}
