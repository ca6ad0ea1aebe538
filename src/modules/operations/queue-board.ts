// The operators' view of the job queues: Bull Board (counts, failed jobs with their reasons,
// retry) mounted at /admin/queues behind an admin key — `Authorization: Bearer`, or the
// cookie /admin/sign-in sets for a browser. Its assets come from its own package; the one
// link to another host in its page (a web font) is taken out, and the CSP forbids any other.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { QUEUE_NAMES } from '../../infra/jobs.ts';
import type { Queues } from '../../infra/queue.ts';
import { bearerKey } from '../../http/auth-plugin.ts';
import { pageDocument, WEB_DIR } from '../../http/page-files.ts';

export const QUEUE_BOARD_PATH = '/admin/queues';
/** The cookie the sign-in form sets: the admin key itself, HttpOnly, for this browser session. */
export const ADMIN_COOKIE = 'pension_admin_key';

const SIGN_IN_HTML = pageDocument(
  { title: '任务队列 · 管理员登录', scripts: ['/admin/sign-in.js'] },
  readFileSync(path.join(WEB_DIR, 'admin', 'sign-in.html'), 'utf8'),
);
const SIGN_IN_JS = readFileSync(path.join(WEB_DIR, 'admin', 'sign-in.js'));
const OTHER_HOST_LINK = /<link[^>]+href="https?:\/\/[^"]*"[^>]*>/g;

export interface QueueBoardDeps {
  queues: Queues;
}

function cookie(value: string, secure: boolean, maxAge?: number): string {
  const parts = [`${ADMIN_COOKIE}=${value}`, 'Path=/admin', 'HttpOnly', 'SameSite=Strict'];
  if (maxAge !== undefined) parts.push(`Max-Age=${maxAge}`);
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

export async function queueBoardRoutes(app: FastifyInstance, deps: QueueBoardDeps) {
  const board = new FastifyAdapter();
  createBullBoard({
    queues: QUEUE_NAMES.map((name) => new BullMQAdapter(deps.queues.get(name))),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: '任务队列', locale: { lng: 'zh-CN' }, hideDocsLink: true } },
  });
  // Its errors go on to the app's one error handler (http/error-handler.ts), as every route's
  // do: a queue backend that cannot reach its database is a 503 to retry, not a 500.
  board.setErrorHandler((err) => {
    throw err;
  });

  await app.register(async (scope) => {
    // Every route of the board admits admin keys only, from the header or the sign-in cookie;
    // the app's auth plugin checks them (and counts failures) like any /v1 route's.
    scope.addHook('onRoute', (r) => {
      r.config = { ...r.config, roles: ['admin'], keyCookie: ADMIN_COOKIE };
    });
    scope.addHook('onSend', async (_req, reply, payload) => {
      const type = String(reply.getHeader('content-type') ?? '');
      if (typeof payload === 'string' && type.startsWith('text/html')) return payload.replace(OTHER_HOST_LINK, '');
      return payload;
    });
    await scope.register(board.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });

  app.get('/admin/sign-in', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(SIGN_IN_HTML));
  app.get('/admin/sign-in.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(SIGN_IN_JS));

  // The form's script sends the key as `Authorization: Bearer`: the auth plugin refuses any
  // key but an admin's (401/403 in the error shape) before this sets the cookie.
  app.post('/admin/sign-in', { config: { roles: ['admin'] } }, async (req, reply) => {
    const key = bearerKey(req.headers.authorization)!;
    return reply
      .header('set-cookie', cookie(key, req.protocol === 'https'))
      .header('cache-control', 'no-store')
      .code(204)
      .send();
  });

  app.delete('/admin/sign-in', async (req, reply) =>
    reply
      .header('set-cookie', cookie('', req.protocol === 'https', 0))
      .code(204)
      .send(),
  );
}
