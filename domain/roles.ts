export const ALLOWED_ROLES = ['admin', 'agent', 'creator', 'user'] as const;
export type Role = (typeof ALLOWED_ROLES)[number];

const allowed: ReadonlySet<string> = new Set(ALLOWED_ROLES);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && allowed.has(value);
}

/** The seed's wording, Python list repr of the sorted set included. */
export const ROLES_SUBSET_MESSAGE = `roles must be a subset of [${ALLOWED_ROLES.map((r) => `'${r}'`).join(', ')}]`;

/**
 * Which roles a key must hold: any one of the listed roles (the plugin's requireAuth, as the
 * seed's require_auth) or every one of them (the verify endpoint's `roles`). An empty list
 * asks for no role, under either rule.
 */
export type RoleRule = { anyOf: readonly Role[] } | { allOf: readonly Role[] };

export function satisfies(held: readonly Role[], rule: RoleRule): boolean {
  if ('anyOf' in rule) return rule.anyOf.length === 0 || rule.anyOf.some((role) => held.includes(role));
  return rule.allOf.every((role) => held.includes(role));
}

/** The rule's roles, for messages: "admin, agent role required". */
export function ruleRoles(rule: RoleRule): readonly Role[] {
  return 'anyOf' in rule ? rule.anyOf : rule.allOf;
}
