// Operators' command line: migrations, API keys, and (with later features) feed uploads.
import { Command, CommanderError } from 'commander';
import { loadConfig } from './config.ts';
import { keyServiceFor, migrateDatabase, startRuntime, withDatabase } from './runtime.ts';
import { requeuePendingReminders } from './modules/reminders/service.ts';
import { CLI_EXTENSIONS } from './cli-extensions.ts';
import { cliErrorLine } from './cli-errors.ts';

const program = new Command('pension-cli').description('Operate the pension certification service').exitOverride();

program
  .command('migrate')
  .description("bring the database schema to the latest migration, as the tables' owner (MIGRATION_DATABASE_URL, else DATABASE_URL)")
  .action(async () => {
    const applied = await migrateDatabase();
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
  });

const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .requiredOption('--role <role>', 'admin | bureau | staff | feed')
  .requiredOption('--name <name>', 'who the key is for')
  .option('--region <prefix>', 'prefix of the 6-digit region code the key is limited to')
  .option('--sources <list>', 'comma-separated sources a feed key may submit')
  .description('create a key; the key itself is printed alone on the last line')
  .action(async (o: { role: string; name: string; region?: string; sources?: string }) => {
    // Migrates first (as `migrate` does), so a fresh clone's first key needs no other step.
    const { id, secret } = await withDatabase(
      (d) =>
        keyServiceFor(d.db).then((keys) =>
          keys.createKey({
            role: o.role,
            name: o.name,
            region: o.region ?? null,
            sources: o.sources
              ? o.sources
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean)
              : null,
          }),
        ),
      { migrate: true },
    );
    process.stdout.write(`created ${o.role} key ${id} for ${o.name}${o.region ? ` (region ${o.region})` : ''}\n${secret}\n`);
  });
keys
  .command('list')
  .description('list keys (never their secrets)')
  .action(async () => {
    const rows = await withDatabase(async (d) => (await keyServiceFor(d.db)).listKeys());
    for (const r of rows) {
      process.stdout.write(
        `${r.id}\t${r.role}\t${r.region_prefix ?? '*'}\t${(r.sources ?? []).join(',') || '-'}\t${r.revoked_at ? 'revoked' : 'active'}\t${r.name}\n`,
      );
    }
  });
keys
  .command('revoke <id>')
  .description('revoke a key')
  .action(async (id: string) => {
    await withDatabase(async (d) => (await keyServiceFor(d.db)).revokeKey(id));
    process.stdout.write(`revoked ${id}\n`);
  });

program
  .command('reminders')
  .description('certification reminders')
  .command('requeue')
  .description('queue every reminder still pending: after setting SMS_GATEWAY_URL, or once its retries ran out')
  .action(async () => {
    const runtime = await startRuntime(loadConfig(), { migrate: false });
    try {
      const { queued } = await requeuePendingReminders(runtime.deps);
      process.stdout.write(`queued ${queued} pending reminder${queued === 1 ? '' : 's'}\n`);
    } finally {
      await runtime.close();
    }
  });

program
  .command('sweep')
  .description('the daily sweep (every pensioner rescored, checks opened, reminders queued), otherwise run at 02:00')
  .command('run')
  .description('run the daily sweep now, in this process, and print what it did')
  .action(async () => {
    const runtime = await startRuntime(loadConfig(), { migrate: false });
    try {
      const t = Date.now();
      const r = await runtime.deps.sweep.runAll(runtime.deps.clock.now());
      process.stdout.write(
        `swept ${r.pensioners} pensioners in ${r.pages} pages (${((Date.now() - t) / 1000).toFixed(1)} s): ${r.changed} changed, ${r.checks} checks opened or kept, ${r.reminders} reminders due\n`,
      );
    } finally {
      await runtime.close();
    }
  });

for (const extend of CLI_EXTENSIONS) extend(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  process.stderr.write(`${cliErrorLine(e)}\n`);
  process.exit(1);
});
