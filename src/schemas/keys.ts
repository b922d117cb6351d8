import { Type, type Static } from 'typebox';
import { SCOPES } from '../auth/scopes.js';

export const ScopeName = Type.Enum(SCOPES, {
  description: 'images:read, images:write, images:delete, shares, keys, account, webhooks, admin',
});
const Scopes = Type.Array(ScopeName, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true });

export const KeyCreation = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'What the key is for (shown in the list)' }),
  scopes: Scopes,
  expires_at: Type.Optional(
    Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the key stops working (none: never)' }),
  ),
});
export type KeyCreation = Static<typeof KeyCreation>;

export const KeyChange = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  scopes: Type.Optional({ ...Scopes, description: 'Only a narrower set: a key never gains a scope' }),
});

export const Key = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  scopes: Type.Array(ScopeName),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it' }),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Updated at most once a minute' }),
  last_used_from: Type.Union([Type.String(), Type.Null()], { description: 'The client address of that use' }),
});
export type Key = Static<typeof Key>;

export const NewKey = Type.Object({
  ...Key.properties,
  key: Type.String({
    pattern: '^imk_[A-Za-z0-9_-]{43}$',
    description: 'The secret, shown this once: send it as `Authorization: Bearer <key>`',
  }),
});
