import type { Readable } from 'node:stream';
import { printableId } from '@carestream/contract';
import {
  parseErasureRequest,
  type ErasureLog,
  type ErasureSource,
  type IdentityVault,
} from '@carestream/erasure';
import { CareError } from '@carestream/errors';
import { refuseContentEncoding, unsupportedCharset, withoutBom } from '@carestream/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  drainUnreadBody,
  readUtf8Body,
  refuseDeclaredLength,
  refuseUnreadableContentType,
} from '../body-reader.ts';
import type { EventPublisher } from '../event-publisher.ts';
import type { IngestMetrics } from '../ingest-metrics.ts';
import { mapMetaDeletions } from '../webhooks/meta-deletions.ts';
import { mapMetaWebhook } from '../webhooks/meta-webhook.ts';
import {
  admitMappedEvents,
  type WebhookMapOptions,
  type WebhookMapResult,
} from '../webhooks/webhook-mapping.ts';
import { idField, asObject } from '../webhooks/untrusted-json.ts';
import {
  metaSignedRequestPayload,
  metaVerificationChallenge,
  verifyMetaSignature,
  verifyXSignature,
  xCrcResponseToken,
} from '../webhooks/webhook-signatures.ts';
import { mapXDeletions, type WebhookErasures } from '../webhooks/x-deletions.ts';
import {
  erasedWebhookEvents,
  identitiesNamed,
  platformIdsNeeded,
  withPlatformReferences,
} from '../webhooks/platform-ids.ts';
import { mapXWebhook } from '../webhooks/x-webhook.ts';
import { requestBaseUrl } from '../public-url.ts';

export interface WebhookSettings {
  /** X app's consumer secret: CRC responses and `x-twitter-webhooks-signature`. */
  readonly xConsumerSecret: string | undefined;
  /** Meta app secret: `X-Hub-Signature-256`. */
  readonly metaAppSecret: string | undefined;
  /** The token Meta echoes on subscription (`hub.verify_token`). */
  readonly metaVerifyToken: string | undefined;
  /** Platform account id → brandId: whose webhooks these are. */
  readonly accountBrands: Readonly<Record<string, string>>;
  readonly automatedAppIds: readonly string[];
  /**
   * Ingest's public base URL (INGEST_PUBLIC_URL, `publicBaseUrl`), on which the data-deletion status url is
   * built; absent: built from the request's protocol and Host.
   */
  readonly publicUrl?: string | undefined;
}

export interface WebhookRoutesOptions {
  readonly publisher: EventPublisher;
  /** Runs the erasures a platform's deletions ask for (deleted tweets, revoked users). */
  readonly erasures: ErasureLog;
  /** References for the ids an adapter builds from a person's platform ids (x-platform-ids.ts). */
  readonly identities: IdentityVault;
  readonly metrics: IngestMetrics;
  readonly settings: WebhookSettings;
  readonly maxBytes: number;
  readonly maxFutureSkewMs: number;
  readonly retentionMs: number;
  readonly clock: () => number;
}

// X's CRC tokens are short random strings. Anything else is refused, because the answer is an HMAC under the
// same secret as the POST signatures: a token that were a JSON document would get a valid signature for it.
const X_CRC_TOKEN = /^[A-Za-z0-9_\-=+/.]{1,256}$/;

/**
 * Platform webhooks. The signature is checked over the raw bytes received, in constant time, before
 * anything is parsed or published: a bad or missing signature is 401 and publishes nothing.
 */
export async function webhookRoutes(app: FastifyInstance, options: WebhookRoutesOptions): Promise<void> {
  const { settings } = options;
  app.removeAllContentTypeParsers();
  // The body stays a stream until a handler reads it (readBody): the same limit, UTF-8 check and early-answer
  // draining as POST /v1/events, where fastify's own parser would close the connection on a 413.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.addHook('onRequest', async (request) =>
    refuseUnreadableContentType(
      request,
      "the platform's type: application/json, or application/x-www-form-urlencoded for the data-deletion callback",
    ),
  );
  app.addHook('onSend', async (request, _reply, payload) => {
    drainUnreadBody(request.raw);
    return payload;
  });
  const mapOptions: WebhookMapOptions = {
    // Own keys only: an account id such as "constructor" must not find a property of Object.prototype.
    brandForAccount: (accountId) =>
      Object.hasOwn(settings.accountBrands, accountId) ? settings.accountBrands[accountId] : undefined,
    automatedAppIds: settings.automatedAppIds,
  };

  app.get<{ Querystring: { crc_token?: string } }>('/webhooks/x', async (request, reply) => {
    const secret = requireSecret(settings.xConsumerSecret, 'X_CONSUMER_SECRET');
    const token = request.query.crc_token;
    if (!token)
      throw new CareError('CARE_ERR_VALIDATION', 'is required for the CRC check', { field: 'crc_token' });
    if (!X_CRC_TOKEN.test(token))
      throw new CareError(
        'CARE_ERR_VALIDATION',
        'must be 1 to 256 letters, digits or _-=+/. characters, as X sends',
        { field: 'crc_token' },
      );
    return reply.send({ response_token: xCrcResponseToken(token, secret) });
  });

  app.post('/webhooks/x', async (request, reply) => {
    const secret = requireSecret(settings.xConsumerSecret, 'X_CONSUMER_SECRET');
    const raw = await readBody(request, reply);
    const signature = request.headers['x-twitter-webhooks-signature'];
    if (!verifyXSignature(raw, typeof signature === 'string' ? signature : undefined, secret)) {
      throw badSignature('x-twitter-webhooks-signature');
    }
    const payload = parseJson(raw);
    return publishMapped(reply, mapXWebhook(payload, mapOptions), {
      ...mapXDeletions(payload, mapOptions),
      source: 'x-webhook',
    });
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/webhooks/meta', async (request, reply) => {
    const token = requireSecret(settings.metaVerifyToken, 'META_VERIFY_TOKEN');
    const challenge = metaVerificationChallenge(request.query, token);
    if (challenge === undefined) {
      throw new CareError('CARE_ERR_FORBIDDEN', 'does not match, or hub.mode is not subscribe', {
        field: 'hub.verify_token',
      });
    }
    return reply.type('text/plain').send(challenge);
  });

  app.post('/webhooks/meta', async (request, reply) => {
    const secret = requireSecret(settings.metaAppSecret, 'META_APP_SECRET');
    const raw = await readBody(request, reply);
    const signature = request.headers['x-hub-signature-256'];
    if (!verifyMetaSignature(raw, typeof signature === 'string' ? signature : undefined, secret)) {
      throw badSignature('x-hub-signature-256');
    }
    const payload = parseJson(raw);
    return publishMapped(reply, mapMetaWebhook(payload, mapOptions), {
      ...mapMetaDeletions(payload, mapOptions),
      source: 'meta-webhook',
    });
  });

  // Meta's data-deletion callback (Facebook Login: "Data Deletion Request Callback URL"): a form with a
  // signed_request naming the app-scoped user id. The user is erased in every brand; Meta shows the user the
  // answer's url and confirmation code, and the url tells whether the erasure is done (nothing else).
  app.post('/webhooks/meta/data-deletion', async (request, reply) => {
    const secret = requireSecret(settings.metaAppSecret, 'META_APP_SECRET');
    const form = new URLSearchParams((await readBody(request, reply)).toString('utf8'));
    const payload = metaSignedRequestPayload(form.get('signed_request') ?? '', secret);
    if (payload === undefined) throw badSignature('signed_request');
    const authorId = idField(asObject(payload), 'user_id');
    const subject = parseErasureRequest({ authorId });
    // Before the erasure: a request that cannot be answered (a bad Host) must not have erased anyone.
    const base = settings.publicUrl ?? requestBaseUrl(request.protocol, request.host);
    const record = await options.erasures.erase(subject, { source: 'meta-webhook', requestedBy: null });
    const url = `${base}/webhooks/meta/data-deletion/${record.erasureId}`;
    return reply.code(200).send({ url, confirmation_code: record.erasureId });
  });

  app.get<{ Params: { code: string } }>('/webhooks/meta/data-deletion/:code', async (request) => {
    const record = await options.erasures.find(request.params.code);
    if (record === undefined || record.source !== 'meta-webhook') {
      throw new CareError('CARE_ERR_NOT_FOUND', 'no data deletion has this confirmation code', {
        field: 'code',
      });
    }
    return { confirmation_code: record.erasureId, status: record.status, completedAt: record.completedAt };
  });

  /** The raw bytes of a webhook's body (its signature is over them), within the limit and UTF-8. */
  async function readBody(request: FastifyRequest, reply: FastifyReply): Promise<Buffer> {
    const charset = unsupportedCharset(request.headers['content-type']);
    if (charset !== undefined) throw charset;
    refuseContentEncoding(request, reply);
    refuseDeclaredLength(request.headers['content-length'], options.maxBytes);
    const stream = request.body as Readable | undefined;
    return stream === undefined ? Buffer.alloc(0) : readUtf8Body(stream, options.maxBytes);
  }

  /**
   * Publishes the mapped events (the ids the adapters built from a person's platform ids replaced first:
   * platform-ids.ts), then runs the deletions of the same delivery (so a tweet created and deleted in one
   * delivery ends erased). The answer counts both; `erased` is the number of erasure requests run.
   */
  async function publishMapped(
    reply: FastifyReply,
    mapped: WebhookMapResult,
    deletions: WebhookErasures & { readonly source: ErasureSource },
  ): Promise<FastifyReply> {
    const result = admitMappedEvents(mapped, {
      nowMs: options.clock(),
      maxFutureSkewMs: options.maxFutureSkewMs,
      retentionMs: options.retentionMs,
    });
    // A redelivered message whose author, itself or its conversation was erased is skipped, decided in the
    // transaction that stores the others' platform ids (no erasure can come in between).
    const { refused, resolved } = await options.identities.platformReferences({
      named: identitiesNamed(result.events),
      refuse: (erased) => erasedWebhookEvents(result.events, erased),
      needed: (refused) => platformIdsNeeded(result.events.filter((_, i) => !refused.has(i))),
    });
    const admitted = result.events.filter((_, i) => !refused.has(i));
    const skipped = [
      ...result.skipped,
      ...[...refused].map(([i, { field, message }]) => ({
        reason: `${printableId(result.events[i]?.eventId ?? '')}: ${field} ${message}`,
      })),
    ];
    const events = admitted.length === 0 ? admitted : withPlatformReferences(admitted, resolved);
    await options.publisher.publish(events);
    options.metrics.countAccepted(admitted);
    // A subject named twice in a delivery (a platform's retry folded in, a hostile sender) is erased once.
    const subjects = [...new Map(deletions.erasures.map((s) => [JSON.stringify(s), s])).values()];
    for (const subject of subjects) {
      await options.erasures.erase(subject, { source: deletions.source, requestedBy: null });
    }
    return reply.code(200).send({
      accepted: admitted.length,
      skipped: [...skipped, ...deletions.skipped],
      erased: subjects.length,
    });
  }
}

function requireSecret(value: string | undefined, name: string): string {
  if (!value)
    throw new CareError('CARE_ERR_NOT_FOUND', `this webhook is not configured (set ${name})`, {
      field: name,
    });
  return value;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(withoutBom(raw.toString('utf8')));
  } catch (error) {
    throw new CareError('CARE_ERR_VALIDATION', `is not valid JSON: ${(error as Error).message}`, {
      field: 'body',
    });
  }
}

function badSignature(header: string): CareError {
  return new CareError('CARE_ERR_UNAUTHORIZED', 'is missing or does not match the body', { field: header });
}
