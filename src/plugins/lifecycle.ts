import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Every response names its request (for support and logs); while shutting down, connections end with their response. */
export const lifecyclePlugin = fp(async (app: FastifyInstance) => {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    // Without this, keep-alive connections would idle until their timeout before the server can stop.
    if (closing) reply.header('connection', 'close');
    return payload;
  });
});
