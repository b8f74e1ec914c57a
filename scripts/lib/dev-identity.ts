import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { displayPrefix, generateApiKey, hashApiKey } from '../../contracts/api-key';
import { sqlLiteral } from './sql-literal';
import { d1Execute, type D1Target } from './wrangler';

/**
 * The development identity: the pool secret and one tenant with one API key. Kept in a git-ignored
 * file so every `npm start` prints the same key; D1 only ever sees the key's hash.
 */
const identitySchema = z.object({
  poolSecret: z.string().min(16),
  /** Added after the first release of this file: older files get one on the next start. */
  adminToken: z.string().min(16).optional(),
  tenantId: z.string(),
  keyId: z.string(),
  apiKey: z.string(),
});
export type DevIdentity = z.infer<typeof identitySchema> & { adminToken: string };

function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}

export function loadOrCreateIdentity(dir: string): DevIdentity {
  const file = path.join(dir, 'dev.json');
  if (existsSync(file)) {
    const parsed = identitySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) {
      if (parsed.data.adminToken !== undefined)
        return { ...parsed.data, adminToken: parsed.data.adminToken };
      const upgraded = { ...parsed.data, adminToken: randomHex(24) };
      writeFileSync(file, `${JSON.stringify(upgraded, null, 2)}\n`, { mode: 0o600 });
      return upgraded;
    }
  }
  const identity: DevIdentity = {
    poolSecret: randomHex(32),
    adminToken: randomHex(24),
    tenantId: 'tenant_dev',
    keyId: `key_${randomHex(6)}`,
    apiKey: generateApiKey(),
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
  return identity;
}

/** An env file for `wrangler dev --env-file`, so the secret never appears on a command line. */
export function writeEdgeEnvFile(dir: string, identity: DevIdentity): string {
  const file = path.join(dir, 'edge.env');
  writeFileSync(file, `POOL_SECRET=${identity.poolSecret}\nADMIN_TOKEN=${identity.adminToken}\n`, {
    mode: 0o600,
  });
  return file;
}

/** Inserts the tenant and the key's hash, or re-activates them; safe to run on every start. */
export async function seedIdentity(identity: DevIdentity, target: D1Target): Promise<void> {
  const nowMs = Date.now();
  const hash = await hashApiKey(identity.apiKey);
  await d1Execute(
    [
      `INSERT OR IGNORE INTO tenants (id, name, created_at_ms) VALUES (${sqlLiteral(identity.tenantId)}, 'Development', ${nowMs});`,
      `INSERT INTO api_keys (id, tenant_id, name, key_hash, key_prefix, status, created_at_ms)
       VALUES (${sqlLiteral(identity.keyId)}, ${sqlLiteral(identity.tenantId)}, 'development', ${sqlLiteral(hash)},
               ${sqlLiteral(displayPrefix(identity.apiKey))}, 'active', ${nowMs})
       ON CONFLICT(id) DO UPDATE SET key_hash = excluded.key_hash, status = 'active', revoked_at_ms = NULL;`,
    ].join('\n'),
    target,
  );
}
