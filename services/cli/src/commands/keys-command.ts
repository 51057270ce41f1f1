import { KEY_SCOPES, type KeyScope } from '@carestream/api-keys';
import { CareError } from '@carestream/errors';
import { Command, Option } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { createKey, formatKeyTable, listKeys, revokeKey } from '../keys/key-admin.ts';
import { withStackServices } from '../local-stack.ts';

/**
 * `carestream keys create|list|revoke`: API keys, straight in PostgreSQL (DATABASE_URL, else the local
 * stack's).
 */
export function keysCommand(io: CliIo): Command {
  const keys = new Command('keys').description(
    "create, list and revoke API keys (talks to PostgreSQL: DATABASE_URL, else the local stack's)",
  );
  const databaseUrl = async () => (await withStackServices(io.env, ['DATABASE_URL'])).DATABASE_URL;

  keys
    .command('create')
    .description('create an API key and print it once')
    .addOption(new Option('--scope <scope>', 'what the key may do').choices(KEY_SCOPES).makeOptionMandatory())
    .option('--brand <brandId...>', 'a brand the key may read or write (repeat or list several)', [])
    .option('--label <text>', 'a note to recognise the key by, e.g. who holds it')
    .option('--json', 'print {keyId, token, scope, brandIds, label, createdAt} as JSON')
    .action(async (options: { scope: KeyScope; brand: string[]; label?: string; json?: boolean }) => {
      const { token, record } = await createKey(await databaseUrl(), {
        scope: options.scope,
        brandIds: options.brand,
        label: options.label,
      });
      if (options.json) {
        io.stdout.write(`${JSON.stringify({ ...record, token })}\n`);
        return;
      }
      const brands = record.scope === 'admin' ? 'every brand' : record.brandIds.join(', ');
      io.stdout.write(
        [
          `created ${record.scope} key ${record.keyId} for ${brands}${record.label ? ` (${record.label})` : ''}`,
          '',
          `  ${token}`,
          '',
          'This is the only time the key is shown: store it now (only its hash is kept).',
          '',
        ].join('\n'),
      );
    });

  keys
    .command('list')
    .description('list API keys (ids and scopes; secrets are never stored)')
    .option('--json', 'print the keys as JSON')
    .action(async (options: { json?: boolean }) => {
      const records = await listKeys(await databaseUrl());
      if (options.json) io.stdout.write(`${JSON.stringify(records)}\n`);
      else io.stdout.write(records.length === 0 ? 'no API keys yet\n' : `${formatKeyTable(records)}\n`);
    });

  keys
    .command('revoke')
    .description('revoke an API key: requests with it are refused within seconds')
    .argument('<keyId>', 'the id `keys list` shows (the part after cs_ in the key)')
    .action(async (keyId: string) => {
      if (!(await revokeKey(await databaseUrl(), keyId))) {
        throw new CareError('CARE_ERR_NOT_FOUND', `there is no active key ${keyId}`, { field: 'keyId' });
      }
      io.stdout.write(`revoked key ${keyId}\n`);
    });

  return keys;
}
