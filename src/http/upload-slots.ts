// Batch uploads in progress per API key (UPLOADS_PER_KEY). Each holds a socket, a spooled file
// and, once its body is in, a connection of the upload pool; one key (a stalled client, or a
// department's script retrying in a loop) may hold only so many, and the next is answered 429
// too_many_uploads with Retry-After, while other keys' uploads go on. Counted in this process's
// memory: with P API processes a key gets up to P × the limit.
//
// Decided in onRequest, after authentication and before any of the body is read, so the
// refused client hears it at once. The answer leaves with `Connection: close` (error-handler.ts,
// for any error while the body is unfinished): Node then discards the body's bytes already
// received and closes the connection once the answer is written, instead of reading a body of
// up to 2 GiB only to throw it away. Measured on this stack (Node 20.20, Fastify 5), an answer
// written before the body is read does reach its client: a raw node:http request or socket sees
// it within milliseconds, and so does undici's fetch once its body stream has yielded a first
// chunk. Two things we reproduced keep a client from ever seeing it, and explain the earlier
// test whose stalled uploads got no 429: undici's fetch (like node:http before its first write)
// sends the request headers only together with the body's first chunk, so a stalled stream that
// has yielded nothing has sent no request at all; and while stalled uploads each held a pooled
// connection in an open transaction, the authentication hook's key lookup waited for a
// connection (then 503), so no limit could answer. Bodies are now spooled to disk first.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

/** Seconds a refused client is told to wait: uploads take seconds to minutes. */
const RETRY_AFTER_S = 5;

export function limitUploadsPerKey(perKey: number) {
  const inProgress = new Map<string, number>();
  const release = (key: string) => {
    const left = (inProgress.get(key) ?? 1) - 1;
    if (left > 0) inProgress.set(key, left);
    else inProgress.delete(key);
  };
  return async function uploadSlot(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const key = req.principal.keyId;
    const held = inProgress.get(key) ?? 0;
    if (held >= perKey) {
      reply.header('retry-after', String(RETRY_AFTER_S));
      throw new AppError(429, 'too_many_uploads', `this key already has ${perKey} uploads in progress; send the next one when one of them is answered`);
    }
    inProgress.set(key, held + 1);
    // Emitted once in every path: answered, failed, or the connection lost.
    reply.raw.once('close', () => release(key));
  };
}
