import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../auth/service.js';
import type { AttemptRecord, WebhookRecord, Webhooks } from '../events/webhooks.js';
import { currentUser, requireUser } from '../http/auth.js';
import { allowOnly } from '../http/errors.js';
import { parseId } from '../http/ids.js';
import { errors, IdParam, NoContent, requires } from '../schemas/common.js';
import { DeliveryAttempt, NewWebhook, Redelivery, Webhook, WebhookChange } from '../schemas/webhooks.js';

export interface WebhookRoutesOptions {
  auth: AuthService;
  webhooks: Webhooks;
}

function present(hook: WebhookRecord, secret?: string) {
  return {
    id: hook.id,
    url: hook.url,
    events: hook.events,
    description: hook.description,
    active: hook.active,
    disabled_reason: hook.disabledReason,
    consecutive_failures: hook.consecutiveFailures,
    previous_secret_until: hook.previousSecretUntil,
    created_at: hook.createdAt,
    updated_at: hook.updatedAt,
    ...(secret === undefined ? {} : { secret }),
  };
}

function presentAttempt(attempt: AttemptRecord) {
  return {
    id: attempt.id,
    delivery_id: attempt.deliveryId,
    event_id: attempt.eventId,
    event_type: attempt.eventType,
    attempt: attempt.attempt,
    attempted_at: attempt.attemptedAt,
    status_code: attempt.statusCode,
    duration_ms: attempt.durationMs,
    error: attempt.error,
    delivery_status: attempt.deliveryStatus,
    next_attempt_at: attempt.deliveryStatus === 'pending' ? attempt.nextAttemptAt : null,
  };
}

/** The owner's webhooks: where events are POSTed, signed like the Standard Webhooks specification. */
export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRoutesOptions> = async (app, { auth, webhooks }) => {
  app.decorateRequest('user', null);
  app.addHook('onRequest', requireUser(auth));
  const common = { tags: ['webhooks'], ...requires('webhooks') };
  const Params = Type.Object({ id: IdParam });
  const DeliveryParams = Type.Object({ id: IdParam, deliveryId: IdParam });

  app.post(
    '/webhooks/',
    {
      schema: {
        ...common,
        operationId: 'createWebhook',
        summary: 'Send events to a URL',
        description:
          'Up to 10 per user. The `secret` signs every delivery (headers webhook-id, webhook-timestamp, webhook-signature: ' +
          'the Standard Webhooks scheme) and is shown this once. The URL must resolve to a public address (OUTBOUND_ALLOW opens others).',
        body: NewWebhook,
        response: { 201: Webhook, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { webhook, secret } = await webhooks.create(currentUser(request).id, request.body);
      return reply.code(201).send(present(webhook, secret));
    },
  );

  app.get(
    '/webhooks/',
    {
      schema: {
        ...common,
        operationId: 'listWebhooks',
        summary: "The caller's webhooks",
        response: { 200: Type.Array(Webhook), ...errors(401, 403) },
      },
    },
    async (request) => (await webhooks.list(currentUser(request).id)).map((hook) => present(hook)),
  );
  allowOnly(app, '/webhooks/', ['GET', 'HEAD', 'POST']);

  app.get(
    '/webhooks/:id/',
    {
      schema: {
        ...common,
        operationId: 'getWebhook',
        summary: 'One webhook',
        params: Params,
        response: { 200: Webhook, ...errors(401, 403, 404) },
      },
    },
    async (request) => present(await webhooks.get(currentUser(request).id, parseId(request.params.id))),
  );

  app.patch(
    '/webhooks/:id/',
    {
      schema: {
        ...common,
        operationId: 'updateWebhook',
        summary: "Change a webhook's URL, events or description; `active: true` enables a disabled one again",
        params: Params,
        body: WebhookChange,
        response: { 200: Webhook, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => present(await webhooks.update(currentUser(request).id, parseId(request.params.id), request.body)),
  );

  app.delete(
    '/webhooks/:id/',
    {
      schema: {
        ...common,
        operationId: 'deleteWebhook',
        summary: 'Delete a webhook (its pending deliveries go with it)',
        params: Params,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await webhooks.delete(currentUser(request).id, parseId(request.params.id));
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/webhooks/:id/', ['GET', 'HEAD', 'PATCH', 'DELETE']);

  app.post(
    '/webhooks/:id/test',
    {
      schema: {
        ...common,
        operationId: 'pingWebhook',
        summary: 'Send a `ping` event to this webhook',
        params: Params,
        response: { 202: Type.Object({ event_id: Type.String() }), ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(202).send({ event_id: await webhooks.ping(currentUser(request).id, parseId(request.params.id)) }),
  );
  allowOnly(app, '/webhooks/:id/test', ['POST']);

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        ...common,
        operationId: 'rotateWebhookSecret',
        summary: 'A new signing secret; the old one also signs for 24 hours',
        params: Params,
        response: { 200: Webhook, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const { webhook, secret } = await webhooks.rotateSecret(currentUser(request).id, parseId(request.params.id));
      return present(webhook, secret);
    },
  );
  allowOnly(app, '/webhooks/:id/rotate-secret', ['POST']);

  app.get(
    '/webhooks/:id/deliveries/',
    {
      schema: {
        ...common,
        operationId: 'listWebhookDeliveries',
        summary: 'The last 100 delivery attempts, newest first: event, answer, duration, error, next retry',
        params: Params,
        response: { 200: Type.Array(DeliveryAttempt), ...errors(401, 403, 404) },
      },
    },
    async (request) => (await webhooks.attempts(currentUser(request).id, parseId(request.params.id))).map(presentAttempt),
  );
  allowOnly(app, '/webhooks/:id/deliveries/', ['GET', 'HEAD']);

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        ...common,
        operationId: 'redeliverWebhookEvent',
        summary: 'Send a delivered or failed event again (same webhook-id)',
        params: DeliveryParams,
        response: { 202: Redelivery, ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { id, deliveryId } = request.params;
      const again = await webhooks.redeliver(currentUser(request).id, parseId(id), parseId(deliveryId));
      return reply.code(202).send({ delivery_id: again.deliveryId, event_id: again.eventId });
    },
  );
  allowOnly(app, '/webhooks/:id/deliveries/:deliveryId/redeliver', ['POST']);
};
