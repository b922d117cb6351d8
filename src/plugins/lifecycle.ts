import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** While shutting down, connections end with their response. */
export const lifecyclePlugin = fp(async (app: FastifyInstance) => {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    // Without this, keep-alive connections would idle until their timeout before the server can stop.
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
});
