// PostgreSQL notifications on one channel, on a connection of their own that comes back by
// itself. While it is down the subscriber is told so (it must then not trust what it cached).
import pg from 'pg';

export interface Subscription {
  close(): Promise<void>;
}

export function listen(
  connectionString: string,
  channel: string,
  on: { message(payload: string): void; up(): void; down(): void },
  retryMs = 1000,
): Subscription {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const lost = () => {
    on.down();
    client?.removeAllListeners();
    client?.end().catch(() => {});
    client = undefined;
    if (!closed) timer = setTimeout(connect, retryMs);
  };
  async function connect() {
    if (closed) return;
    const c = new pg.Client({ connectionString, application_name: `pension-listen-${channel}` });
    client = c;
    c.on('error', lost);
    c.on('end', () => client === c && lost());
    c.on('notification', (n) => n.channel === channel && on.message(n.payload ?? ''));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      on.up();
    } catch {
      if (client === c) lost();
    }
  }
  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      c?.removeAllListeners();
      await c?.end().catch(() => {});
    },
  };
}
