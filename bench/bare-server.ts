// The bare peer of the status lookup: Fastify and one primary-key lookup, no auth, no audit.
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 30 });
const app = Fastify({ logger: false });
app.get<{ Params: { id: string } }>('/p/:id', async (req, reply) => {
  const r = await pool.query({ name: 'bare', text: 'SELECT * FROM pensioners WHERE national_id = $1', values: [req.params.id] });
  if (!r.rows[0]) return reply.code(404).send({});
  return r.rows[0];
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0)),
);
