import { ApiKeyStore, type ApiKeyRecord, type KeyScope } from '@carestream/api-keys';
import { printableId } from '@carestream/contract';
import { createPool, migrate } from '@carestream/postgres';

/** Runs fn with a key store on the database, the schema migrated first; the pool is always closed. */
export async function withKeyStore<T>(databaseUrl: string, fn: (store: ApiKeyStore) => Promise<T>) {
  await migrate(databaseUrl);
  const pool = createPool({ connectionString: databaseUrl, max: 1, applicationName: 'carestream-cli' });
  try {
    return await fn(new ApiKeyStore(pool));
  } finally {
    await pool.end();
  }
}

export interface CreateKeyInput {
  readonly scope: KeyScope;
  readonly brandIds: readonly string[];
  readonly label?: string | undefined;
}

export async function createKey(
  databaseUrl: string,
  input: CreateKeyInput,
): Promise<{ token: string; record: ApiKeyRecord }> {
  return withKeyStore(databaseUrl, (store) =>
    store.create({ scope: input.scope, brandIds: input.brandIds, label: input.label ?? null }),
  );
}

export async function listKeys(databaseUrl: string): Promise<ApiKeyRecord[]> {
  return withKeyStore(databaseUrl, (store) => store.list());
}

export async function revokeKey(databaseUrl: string, keyId: string): Promise<boolean> {
  return withKeyStore(databaseUrl, (store) => store.revoke(keyId));
}

/** A plain-text table of keys: no secret is ever stored, so none can be shown. */
export function formatKeyTable(records: readonly ApiKeyRecord[]): string {
  const header = ['ID', 'SCOPE', 'BRANDS', 'LABEL', 'CREATED', 'REVOKED'];
  const rows = records.map((record) => [
    record.keyId,
    record.scope,
    record.scope === 'admin' ? '(all)' : record.brandIds.join(','),
    // A label is free text: control characters would break the table (or fake a row) on a terminal.
    printableId(record.label ?? '', 120),
    record.createdAt,
    record.revokedAt ?? '',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
