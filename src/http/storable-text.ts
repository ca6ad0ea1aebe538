// A JSON body or query string holding text PostgreSQL cannot store (a NUL, half a surrogate
// pair) is refused whole, before validation and before anything is written: a request takes
// effect whole or not at all. Streamed bodies (bulk lines, batch files) are checked per line.
import type { FastifyInstance } from 'fastify';
import { invalid } from '../domain/errors.ts';
import { unstorableTextPath } from '../domain/text.ts';

export function useStorableText(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    for (const [part, value] of [
      ['body', req.body],
      ['querystring', req.query],
    ] as const) {
      if (value === null || typeof value !== 'object' || typeof (value as { pipe?: unknown }).pipe === 'function') continue;
      const path = unstorableTextPath(value);
      if (path !== null)
        throw invalid('invalid_text', `${part}${path ? `.${path}` : ''} holds a NUL or a broken character`, [
          { field: path || part, message: 'holds a NUL or a broken character' },
        ]);
    }
  });
}
