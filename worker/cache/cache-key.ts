import { toHex } from '../../contracts/hex';

/**
 * The exact cache's key (RELIABILITY K1): SHA-256 over canonical JSON — object keys sorted,
 * defaults filled in — of everything that changes the answer, plus the tenant. Fields that only
 * change the framing (`stream`, `stream_options`) or bookkeeping (`user`, `metadata`, `store`)
 * are left out, because a hit is rebuilt in whichever format the request wants (K5). Every other
 * field, including engine extras the gateway does not know (`top_k`, `min_p`, `guided_json`,
 * `chat_template_kwargs`, …), is part of the key as sent.
 */

export type CacheEndpoint = 'chat' | 'completions';

/** Fields that cannot change the generated answer. */
const framingFields: ReadonlySet<string> = new Set([
  'stream',
  'stream_options',
  'user',
  'metadata',
  'store',
  'service_tier',
  // Added by the gateway itself per tenant; the tenant is already in the key.
  'cache_salt',
]);

/** OpenAI's defaults, so leaving a parameter out and sending its default give one key. */
const samplingDefaults: Readonly<Record<string, unknown>> = {
  temperature: 1,
  top_p: 1,
  n: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
  stop: null,
  seed: null,
  max_tokens: null,
  max_completion_tokens: null,
  logit_bias: null,
  logprobs: false,
  top_logprobs: null,
};

const chatDefaults = (body: Record<string, unknown>): Record<string, unknown> => {
  const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
  return {
    tools: null,
    tool_choice: hasTools ? 'auto' : 'none',
    parallel_tool_calls: true,
    response_format: { type: 'text' },
  };
};

/** JSON with object keys sorted at every depth; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The body as the key sees it: framing dropped, defaults filled in, the resolved model set. */
export function keyFields(
  endpoint: CacheEndpoint,
  model: string,
  body: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    ...samplingDefaults,
    ...(endpoint === 'chat' ? chatDefaults(body) : {}),
  };
  for (const [name, value] of Object.entries(body)) {
    // null means "the default" in OpenAI's API, so it must not make a different key.
    if (framingFields.has(name) || value === null || value === undefined) continue;
    fields[name] = value;
  }
  fields.model = model;
  // A single stop string and a one-element list stop at the same place.
  if (typeof fields.stop === 'string') fields.stop = [fields.stop];
  return fields;
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

export interface ExactKey {
  /** 64 hex characters. */
  hash: string;
  /** `<tenant>/<hash>`: a tenant's entries share a prefix, so a tenant purge is one prefix listing. */
  kvKey: string;
}

export async function exactCacheKey(input: {
  tenantId: string;
  endpoint: CacheEndpoint;
  model: string;
  body: Readonly<Record<string, unknown>>;
}): Promise<ExactKey> {
  const hash = await sha256Hex(
    canonicalJson({
      v: 1,
      tenant: input.tenantId,
      endpoint: input.endpoint,
      request: keyFields(input.endpoint, input.model, input.body),
    }),
  );
  return { hash, kvKey: `${tenantPrefix(input.tenantId)}${hash}` };
}

/** Tenant ids are `[A-Za-z0-9][A-Za-z0-9_.-]*` (admin/key-records.ts), so `/` cannot occur in one. */
export function tenantPrefix(tenantId: string): string {
  return `${tenantId}/`;
}
