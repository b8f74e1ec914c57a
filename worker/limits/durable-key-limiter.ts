import type { KeyLimiter as KeyLimiterPort } from '../ports';
import type { KeyLimiter } from './key-limiter-object';

/** The `KeyLimiter` port over the `RATE_LIMITER` namespace: one object per key id. */
export function createDurableKeyLimiter(
  namespace: DurableObjectNamespace<KeyLimiter>,
): KeyLimiterPort {
  const stub = (keyId: string) => namespace.get(namespace.idFromName(keyId));
  return {
    admit: (keyId, policy, request) => stub(keyId).admit(policy, request),
    settle: (keyId, policy, outcome) => stub(keyId).settle(policy, outcome),
    setRevoked: (keyId, revoked, nowMs) => stub(keyId).setRevoked(revoked, nowMs),
  };
}
