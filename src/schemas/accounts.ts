import { Type, type Static } from 'typebox';

export const TokenBody = Type.Object({
  token: Type.String({
    pattern: '^[0-9a-f]{40}$',
    description: 'API token: send it as `Authorization: Token <token>` (or `Bearer <token>`)',
  }),
});

export const Credentials = Type.Object({
  username: Type.String({ maxLength: 150, description: 'Letters, digits and @ . + - _' }),
  password: Type.String({ maxLength: 128 }),
});
export type Credentials = Static<typeof Credentials>;

export const Registration = Type.Object({
  username: Type.String({ maxLength: 150, description: 'Letters, digits and @ . + - _' }),
  password: Type.String({ maxLength: 128, description: 'At least 8 characters, not entirely numeric, not common, not like the username' }),
  email: Type.Optional(Type.String({ maxLength: 254 })),
});
export type Registration = Static<typeof Registration>;

export const AccountDeletion = Type.Object({
  password: Type.String({ maxLength: 128, description: 'Your current password' }),
});

export const PasswordChange = Type.Object({
  old_password: Type.String({ maxLength: 128 }),
  new_password: Type.String({ maxLength: 128 }),
});

const Counts = Type.Object({ images: Type.Integer(), bytes: Type.Integer() });

export const Me = Type.Object({
  username: Type.String(),
  usage: { ...Counts, description: 'Everything you keep, the trash included (it counts against the limits until it is purged)' },
  trash: { ...Counts, description: 'The part of the usage in the trash' },
  limits: Type.Object({
    images: Type.Integer({ description: 'Most images you may keep (0: no limit)' }),
    bytes: Type.Integer({ description: 'Most bytes you may keep (0: no limit)' }),
    upload_bytes: Type.Integer({ description: 'Largest file accepted in one request (POST /images/)' }),
    resumable_upload_bytes: Type.Integer({ description: 'Largest file accepted through resumable uploads (/uploads/, tus)' }),
  }),
});
export type Me = Static<typeof Me>;

export const AdminUser = Type.Object({
  username: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  admin: Type.Boolean(),
  disabled: Type.Boolean(),
  images: Type.Integer(),
  bytes: Type.Integer({ description: 'Bytes of the images (shared content counted for each image)' }),
  created_at: Type.String({ format: 'date-time' }),
});
export type AdminUser = Static<typeof AdminUser>;

export const UsernameParams = Type.Object({ username: Type.String({ maxLength: 150 }) });
