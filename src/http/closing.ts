// Graceful close: from the moment the server starts closing (SIGTERM), every answer — those of
// requests in flight included — says `Connection: close`, and Node closes its socket once sent.
// Otherwise a keep-alive client puts the socket back in its pool and its next request meets a
// server that is gone (a reset), and the server's close waits for that socket's keep-alive timeout.
import type { FastifyInstance } from 'fastify';

export function useConnectionCloseOnShutdown(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
}
