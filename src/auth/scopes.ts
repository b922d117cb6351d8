/**
 * What an API key may do. Every authenticated route declares the scopes it needs (`x-scopes` in its
 * schema, and the `security` of its operation); http/auth.ts enforces them. The legacy token holds
 * every scope an account has.
 */
export const SCOPE_DESCRIPTIONS = {
  'images:read': 'List, view and download images and their variants; read your usage',
  'images:write': 'Upload and replace images, change their details',
  'images:delete': 'Delete images for good',
  shares: 'Create, list and revoke share links',
  keys: 'Create, list and revoke API keys (only with scopes this key holds)',
  account: 'Change the password, regenerate the token, revoke links, delete the account',
  webhooks: 'Manage webhooks',
  admin: 'Manage every account (admin accounts only)',
} as const;

export type Scope = keyof typeof SCOPE_DESCRIPTIONS;
export const SCOPES = Object.keys(SCOPE_DESCRIPTIONS) as Scope[];

const EVERY_SCOPE: ReadonlySet<Scope> = new Set(SCOPES);
const EVERY_SCOPE_BUT_ADMIN: ReadonlySet<Scope> = new Set(SCOPES.filter((scope) => scope !== 'admin'));

/** What an account's legacy token (and anything else without limits) may do. */
export function allScopes(admin: boolean): ReadonlySet<Scope> {
  return admin ? EVERY_SCOPE : EVERY_SCOPE_BUT_ADMIN;
}
