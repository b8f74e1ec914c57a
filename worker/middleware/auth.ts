import { createMiddleware } from 'hono/factory';
import { hashApiKeyBytes, isWellFormedApiKey } from '../../contracts/api-key';
import { digestFromHex, toHex } from '../../contracts/hex';
import type { AppEnv } from '../app-env';
import { GatewayError } from '../errors';
import type { ApiKeyRepository } from '../ports';

const invalidKeyMessage = 'Incorrect API key provided.';

/**
 * Bearer-key authentication (DESIGN §2 "Auth", RELIABILITY A1–A2). The key is looked up by its
 * SHA-256 hash and the stored digest is compared with `timingSafeEqual` on two 32-byte buffers.
 * Every failure gets the same message and never echoes the key.
 */
export function createAuth(apiKeys: ApiKeyRepository) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    const match = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header);
    const key = match?.[1];
    if (key === undefined) {
      throw new GatewayError(
        'missing_api_key',
        'You did not provide an API key. Send it as "Authorization: Bearer sk-sy-…".',
      );
    }
    if (!isWellFormedApiKey(key)) throw new GatewayError('invalid_api_key', invalidKeyMessage);

    const digest = await hashApiKeyBytes(key);
    const record = await apiKeys.findByHash(toHex(digest));
    const stored = record === undefined ? undefined : digestFromHex(record.keyHash);
    if (
      record === undefined ||
      stored === undefined ||
      record.status !== 'active' ||
      !crypto.subtle.timingSafeEqual(stored, digest)
    ) {
      throw new GatewayError('invalid_api_key', invalidKeyMessage);
    }
    c.set('auth', {
      keyId: record.id,
      tenantId: record.tenantId,
      policy: record.policy,
      maxTokensPerRequest: record.maxTokensPerRequest,
      logPayloads: record.logPayloads,
      allowedModels: record.allowedModels,
      cacheMode: record.cacheMode,
    });
    const usage = c.get('usage');
    usage.keyId = record.id;
    usage.tenantId = record.tenantId;
    await next();
  });
}
