// Reading parsed JSON from outside (platform webhooks) without trusting its shape: each reader returns
// undefined instead of throwing, so a mapper can skip one malformed item and go on with the rest.

export type JsonObject = Readonly<Record<string, unknown>>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function stringField(obj: JsonObject | undefined, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** A non-empty platform id; some platforms send ids as numbers (Meta's app_id), which are taken as text. */
export function idField(obj: JsonObject | undefined, key: string): string | undefined {
  const value = obj?.[key];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

export function numberField(obj: JsonObject | undefined, key: string): number | undefined {
  const value = obj?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function objectField(obj: JsonObject | undefined, key: string): JsonObject | undefined {
  return asObject(obj?.[key]);
}

/** An epoch-milliseconds number sent as a string, as X does ("1516403560557"). */
export function epochMsString(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value)) return undefined;
  const ms = Number(value);
  return Number.isSafeInteger(ms) ? ms : undefined;
}
