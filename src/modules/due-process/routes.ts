// Due process over HTTP: death confirmations and reversals, resumptions after release, appeals.
import type { FastifyInstance } from 'fastify';
import { invalid } from '../../domain/errors.ts';
import type { Role } from '../../domain/principal.ts';
import { cursorOf } from '../../http/paging.ts';
import { requireNationalId } from '../../http/national-id-param.ts';
import { compileRecordSchema, fieldErrors } from '../../infra/validation.ts';
import { NationalIdParam } from '../pensioners/schemas.ts';
import {
  AppealBody,
  AppealIdParam,
  AppealQuery,
  DecideBody,
  NoteBody,
  type AppealBodyT,
  type AppealQueryT,
  type DecideBodyT,
  type NoteBodyT,
} from './schemas.ts';
import type { DueProcessService } from './service.ts';

const validNote = compileRecordSchema<NoteBodyT>(NoteBody);
/** Appeal pages: by (deadline, appeal id). */
const appealCursor = cursorOf(['date', 'uuid']);

/** The body is optional (a note at most), so it is checked here rather than by schema. */
function noteBody(body: unknown): NoteBodyT {
  const b = body ?? {};
  if (!validNote(b)) throw invalid('invalid_request', `invalid body: ${fieldErrors(validNote.errors, 'body')[0]?.message ?? 'is invalid'}`);
  return b;
}

export interface DueProcessRouteDeps {
  dueProcess: Pick<DueProcessService, 'confirmDeath' | 'reverseDeath' | 'resume' | 'reinstate' | 'fileAppeal' | 'decideAppeal' | 'appeals'>;
}

export async function dueProcessRoutes(app: FastifyInstance, deps: DueProcessRouteDeps) {
  const { dueProcess } = deps;
  const byPerson = (path: string, roles: Role[], act: 'confirmDeath' | 'reverseDeath' | 'resume') =>
    app.post<{ Params: { nationalId: string } }>(
      `/v1/pensioners/:nationalId/${path}`,
      { schema: { params: NationalIdParam }, config: { roles } },
      async (req, reply) => reply.code(201).send(await dueProcess[act](requireNationalId(req.params.nationalId), noteBody(req.body), req.principal)),
    );
  byPerson('death-confirmations', ['bureau', 'admin'], 'confirmDeath');
  byPerson('death-reversals', ['bureau', 'admin'], 'reverseDeath');
  byPerson('resumptions', ['staff', 'bureau', 'admin'], 'resume');

  // Four eyes: 202 {"pending": true} for the first key, 200 when a second key completes it.
  app.post<{ Params: { nationalId: string } }>(
    '/v1/pensioners/:nationalId/reinstatements',
    { schema: { params: NationalIdParam }, config: { roles: ['bureau', 'admin'] } },
    async (req, reply) => {
      const done = await dueProcess.reinstate(requireNationalId(req.params.nationalId), noteBody(req.body), req.principal);
      return done.pending ? reply.code(202).send({ pending: true, proposalId: done.proposalId }) : reply.code(200).send(done);
    },
  );

  app.post<{ Params: { nationalId: string }; Body: AppealBodyT }>(
    '/v1/pensioners/:nationalId/appeals',
    { schema: { params: NationalIdParam, body: AppealBody }, config: { roles: ['staff', 'bureau', 'admin'] } },
    async (req, reply) => reply.code(201).send(await dueProcess.fileAppeal(requireNationalId(req.params.nationalId), req.body, req.principal)),
  );

  app.post<{ Params: { id: string }; Body: DecideBodyT }>(
    '/v1/appeals/:id/decide',
    { schema: { params: AppealIdParam, body: DecideBody }, config: { roles: ['bureau', 'admin'] } },
    async (req) => dueProcess.decideAppeal(req.params.id, req.body, req.principal),
  );

  app.get<{ Querystring: AppealQueryT }>(
    '/v1/appeals',
    { schema: { querystring: AppealQuery }, config: { roles: ['staff', 'bureau', 'admin'] } },
    async (req) => {
      const { cursor, ...q } = req.query;
      const { next, ...page } = await dueProcess.appeals({ ...q, after: appealCursor.decode(cursor) }, req.principal);
      return { ...page, nextCursor: next ? appealCursor.encode(next) : null };
    },
  );
}
