/** What a person or script may do. Each role includes the ones below it. */
export type Role = 'admin' | 'operator' | 'viewer'

/** In rising order of power. */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin']

/** One line per role, for forms and help texts. */
export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: 'reads the dashboard',
  operator: 'manages pages, feeds and stories',
  admin: 'manages users, tokens and settings, and reads the audit log',
}

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value)

/** True when `role` may do what `needed` may. */
export const hasRole = (role: Role, needed: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(needed)
