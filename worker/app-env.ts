import type { UsageDraft } from './core/usage-row';
import type { KeyPolicy } from './limits/key-limits';

export interface AuthContext {
  keyId: string;
  tenantId: string;
  policy: KeyPolicy;
  maxTokensPerRequest: number | null;
  /** The key stores its prompts and answers, redacted and expiring (RELIABILITY O2). */
  logPayloads: boolean;
}

/** Hono's typed context for the edge. Nothing in the app reads bindings: see bindings.ts. */
export interface AppEnv {
  Variables: {
    requestId: string;
    usage: UsageDraft;
    auth: AuthContext;
  };
}
