// What the router and Node's HTTP parser refuse, in the one error shape. The router's errors
// (a URL that does not decode, a path parameter over maxParamLength) come before any route or
// hook; the parser's (headers or request line over Node's limit, bytes that are not HTTP)
// come before Fastify has a request at all, so their answer is written on the socket itself.
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.ts';

// Never echo the URL: it may be huge, or carry what a client should not have sent.
const ROUTER: Record<string, [status: number, code: string, message: string]> = {
  FST_ERR_BAD_URL: [400, 'bad_url', 'the URL is not validly percent-encoded'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long', 'a path parameter is longer than the server accepts'],
};

export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const [status, code, message] = ROUTER[err.code] ?? [
    err.statusCode && err.statusCode < 500 ? err.statusCode : 400,
    'bad_request',
    'the request was refused by the router',
  ];
  void reply.code(status).header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').send(errorBody(code, message));
}

const PARSER: Record<string, [status: number, reason: string, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large', 'the request line and headers are larger than the server accepts'],
  // REQUEST_TIMEOUT_MS: the headers and the whole body must have arrived within it.
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request_timeout', 'the request and its body did not arrive within the request timeout'],
};
const MALFORMED: [number, string, string, string] = [400, 'Bad Request', 'bad_request', 'the request is not valid HTTP'];

export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // An answer already started on this connection (a request timing out after its refusal was
  // written) must not be followed by raw bytes: the connection is just closed.
  if ((socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage?.headersSent) {
    socket.destroy(err);
    return;
  }
  const [status, reason, code, message] = PARSER[err.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
