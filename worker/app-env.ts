import type { UsageDraft } from './core/usage-row';
import type { CacheMode } from './db/schema';
import type { KeyPolicy } from './limits/key-limits';

export interface AuthContext {
  keyId: string;
  tenantId: string;
  policy: KeyPolicy;
  maxTokensPerRequest: number | null;
  /** The key stores its prompts and answers, redacted and expiring (RELIABILITY O2). */
  logPayloads: boolean;
  /** Model names the key may ask for; null means every configured name. */
  allowedModels: string[] | null;
  /** How the response cache treats the key's requests. */
  cacheMode: CacheMode;
}

/** Hono's typed context for the edge. Nothing in the app reads bindings: see bindings.ts. */
export interface AppEnv {
  Variables: {
    requestId: string;
    usage: UsageDraft;
    auth: AuthContext;
  };
}
