// A request body must keep arriving: one from which nothing arrives for BODY_IDLE_TIMEOUT_MS is
// answered 408 request_timeout in the error shape (the whole request's time is Node's
// requestTimeout, REQUEST_TIMEOUT_MS, answered by router-errors.ts). The guard stands between
// the socket and whoever reads the body (Fastify's JSON parser, a batch spooled to disk); it
// never destroys the request itself, because destroying an unfinished request destroys its
// socket, and the 408 could not be sent.
import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

/** The client closed its connection before its body ended: there is no one left to answer. */
export class ClientGone extends AppError {
  constructor() {
    super(400, 'incomplete_body', 'the connection closed before the body ended');
  }
}

class IdleGuard extends Transform {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    source: Readable,
    private readonly idleMs: number,
  ) {
    super();
    source.on('error', () => this.destroy(new ClientGone()));
    source.on('close', () => {
      if (!source.readableEnded) this.destroy(new ClientGone());
    });
    source.pipe(this);
    this.arm();
  }

  private arm() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.idle(), this.idleMs);
  }

  private idle() {
    // Nothing arrived because the reader is behind (its buffers are full), not the client.
    if (this.writableLength > 0 || this.readableLength >= this.readableHighWaterMark) return this.arm();
    this.destroy(new AppError(408, 'request_timeout', `no part of the body arrived for ${this.idleMs / 1000} s`));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err: null, chunk: Buffer) => void) {
    this.arm();
    done(null, chunk);
  }

  override _flush(done: () => void) {
    clearTimeout(this.timer);
    done();
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void) {
    clearTimeout(this.timer);
    done(err);
  }
}

/** Whether the request has body bytes still to come (a real socket says `complete` once all have arrived). */
export function bodyPending(req: FastifyRequest): boolean {
  if (req.raw.complete === true) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function useBodyIdleTimeout(app: FastifyInstance, idleMs: number): void {
  app.addHook('preParsing', (req, _reply, payload, done) => {
    done(null, bodyPending(req) ? (new IdleGuard(payload, idleMs) as unknown as typeof payload) : payload);
  });
}
