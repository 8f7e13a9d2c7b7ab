export const ALLOWED_ROLES = ['admin', 'agent', 'creator', 'user'] as const;
export type Role = (typeof ALLOWED_ROLES)[number];

const allowed: ReadonlySet<string> = new Set(ALLOWED_ROLES);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && allowed.has(value);
}

/** The seed's wording, Python list repr of the sorted set included. */
export const ROLES_SUBSET_MESSAGE = `roles must be a subset of [${ALLOWED_ROLES.map((r) => `'${r}'`).join(', ')}]`;
