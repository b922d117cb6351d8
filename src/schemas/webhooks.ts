import { Type, type Static } from 'typebox';
import { EVENT_TYPES } from '../events/types.js';

const Time = Type.String({ format: 'date-time' });
const EventTypes = Type.Array(Type.Enum(EVENT_TYPES), { minItems: 1, maxItems: EVENT_TYPES.length, uniqueItems: true });

export const Webhook = Type.Object({
  id: Type.Integer(),
  url: Type.String({ format: 'uri' }),
  events: EventTypes,
  description: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean({ description: 'false once disabled (by its owner, or after WEBHOOK_FAILURES_TO_DISABLE failures in a row)' }),
  disabled_reason: Type.Union([Type.String(), Type.Null()]),
  consecutive_failures: Type.Integer({ description: 'Failed delivery attempts in a row' }),
  previous_secret_until: Type.Union([Time, Type.Null()], { description: 'After a rotation: until then the old secret signs too' }),
  created_at: Time,
  updated_at: Time,
  secret: Type.Optional(Type.String({ description: 'The signing secret (whsec_…): shown when made and when rotated, never again' })),
});

export const NewWebhook = Type.Object(
  {
    url: Type.String({ maxLength: 2048, description: 'http(s) URL that receives POSTs; private addresses refused unless OUTBOUND_ALLOW' }),
    events: EventTypes,
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type NewWebhook = Static<typeof NewWebhook>;

export const WebhookChange = Type.Object(
  {
    url: Type.Optional(Type.String({ maxLength: 2048 })),
    events: Type.Optional(EventTypes),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    active: Type.Optional(Type.Boolean({ description: 'true enables a disabled hook again; false disables it' })),
  },
  { additionalProperties: false },
);

export const DeliveryAttempt = Type.Object({
  id: Type.Integer({ description: 'The attempt' }),
  delivery_id: Type.Integer({ description: 'The delivery it belongs to (POST …/deliveries/<delivery_id>/redeliver)' }),
  event_id: Type.String({ description: 'Also the webhook-id header' }),
  event_type: Type.String(),
  attempt: Type.Integer({ description: '1 for the first try of a delivery' }),
  attempted_at: Time,
  status_code: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's answer; null when none came" }),
  duration_ms: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()], { description: "Why the attempt failed (never the receiver's body)" }),
  delivery_status: Type.Enum(['pending', 'delivered', 'failed'], { description: 'pending: another attempt is due at next_attempt_at' }),
  next_attempt_at: Type.Union([Time, Type.Null()]),
});

export const Redelivery = Type.Object({ delivery_id: Type.Integer(), event_id: Type.String() });
