import type { UsageDraft } from './core/usage-row';

export interface AuthContext {
  keyId: string;
  tenantId: string;
}

/** Hono's typed context for the edge. Nothing in the app reads bindings: see bindings.ts. */
export interface AppEnv {
  Variables: {
    requestId: string;
    usage: UsageDraft;
    auth: AuthContext;
  };
}
