import { brandIdProblem, printableId } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import { databaseUnavailable, isDatabaseUnavailable, type Pool } from '@carestream/postgres';
import {
  generateApiKey,
  parseApiKey,
  secretMatches,
  tokenEquals,
  type KeyScope,
  type Principal,
} from './api-key.ts';

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly scope: KeyScope;
  readonly brandIds: readonly string[];
  readonly label: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface ApiKeyStoreOptions {
  /** CARESTREAM_ADMIN_KEY: an admin key valid from start-up, never stored. */
  readonly adminKey?: string | undefined;
  /** How long a successful lookup is reused; revocation takes effect within this time. */
  readonly cacheMs?: number;
  readonly clock?: () => number;
}

const ADMIN_FROM_ENVIRONMENT: Principal = { keyId: 'environment-admin', scope: 'admin', brandIds: null };

export class ApiKeyStore {
  private readonly cache = new Map<string, { principal: Principal | undefined; until: number }>();
  private readonly cacheMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly pool: Pool,
    private readonly options: ApiKeyStoreOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 5_000;
    this.clock = options.clock ?? Date.now;
  }

  async create(input: {
    scope: KeyScope;
    brandIds: readonly string[];
    label?: string | null;
  }): Promise<{ token: string; record: ApiKeyRecord }> {
    if (input.scope !== 'admin' && input.brandIds.length === 0) {
      throw new CareError(
        'CARE_ERR_VALIDATION',
        'a read or write key must be limited to at least one brand',
        { field: 'brand' },
      );
    }
    if (input.scope === 'admin' && input.brandIds.length > 0) {
      throw new CareError('CARE_ERR_VALIDATION', 'an admin key covers every brand; drop --brand', {
        field: 'brand',
      });
    }
    // A key for a brand id ingest would refuse could never read or write anything: say so now.
    for (const brandId of input.brandIds) {
      const problem = brandIdProblem(brandId);
      if (problem !== undefined) {
        throw new CareError('CARE_ERR_VALIDATION', `brand "${printableId(brandId)}" ${problem}`, {
          field: 'brand',
        });
      }
    }
    const key = generateApiKey();
    const { rows } = await this.pool.query<RecordRow>(
      `insert into api_keys (key_id, secret_hash, scope, brand_ids, label) values ($1, $2, $3, $4, $5)
       returning key_id, scope, brand_ids, label, created_at, revoked_at`,
      [key.keyId, key.secretHash, input.scope, input.brandIds, input.label ?? null],
    );
    return { token: key.token, record: toRecord(rows[0] as RecordRow) };
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<RecordRow>(
      'select key_id, scope, brand_ids, label, created_at, revoked_at from api_keys order by created_at, key_id',
    );
    return rows.map(toRecord);
  }

  async revoke(keyId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'update api_keys set revoked_at = now() where key_id = $1 and revoked_at is null',
      [keyId],
    );
    this.cache.clear();
    return (rowCount ?? 0) > 0;
  }

  /**
   * The principal a bearer token stands for, or undefined when it is unknown, wrong or revoked; a retriable
   * CARE_ERR_DATABASE_UNAVAILABLE when PostgreSQL cannot be asked.
   */
  async authenticate(token: string): Promise<Principal | undefined> {
    if (this.options.adminKey && tokenEquals(token, this.options.adminKey)) return ADMIN_FROM_ENVIRONMENT;
    const parsed = parseApiKey(token);
    if (!parsed) return undefined;
    const now = this.clock();
    const cached = this.cache.get(token);
    if (cached && cached.until > now) return cached.principal;
    const { rows } = await this.pool
      .query<{ secret_hash: Buffer; scope: KeyScope; brand_ids: string[] }>(
        'select secret_hash, scope, brand_ids from api_keys where key_id = $1 and revoked_at is null',
        [parsed.keyId],
      )
      .catch((error: unknown) => {
        // A key cannot be checked while PostgreSQL is away: the caller should retry (503), not give up (500).
        throw isDatabaseUnavailable(error) ? databaseUnavailable(error, 'the API key store') : error;
      });
    const row = rows[0];
    const principal =
      row && secretMatches(parsed.secret, row.secret_hash)
        ? { keyId: parsed.keyId, scope: row.scope, brandIds: row.scope === 'admin' ? null : row.brand_ids }
        : undefined;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token, { principal, until: now + this.cacheMs });
    return principal;
  }
}

interface RecordRow {
  key_id: string;
  scope: KeyScope;
  brand_ids: string[];
  label: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

function toRecord(row: RecordRow): ApiKeyRecord {
  return {
    keyId: row.key_id,
    scope: row.scope,
    brandIds: row.brand_ids,
    label: row.label,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
