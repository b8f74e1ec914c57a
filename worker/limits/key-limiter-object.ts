import { DurableObject } from 'cloudflare:workers';
import {
  admit,
  emptyState,
  settle,
  type Admission,
  type KeyPolicy,
  type LimiterState,
} from './key-limits';

const stateKey = 'state';

/**
 * `RATE_LIMITER`: one Durable Object per API key (named by the key id). A Durable Object runs one
 * call at a time and its storage writes are transactional, so the counters are exact and global
 * (decision 5) and revocation takes effect on the very next request (decision 6). The logic is
 * pure and lives in key-limits.ts; this class loads, applies and stores.
 */
export class KeyLimiter extends DurableObject {
  private cached: LimiterState | undefined;

  private async load(nowMs: number): Promise<LimiterState> {
    this.cached ??= (await this.ctx.storage.get<LimiterState>(stateKey)) ?? emptyState(nowMs);
    return this.cached;
  }

  private async save(state: LimiterState): Promise<void> {
    this.cached = state;
    await this.ctx.storage.put(stateKey, state);
  }

  async admit(
    policy: KeyPolicy,
    request: { leaseId: string; reserveTokens: number; nowMs: number },
  ): Promise<Admission> {
    const result = admit(await this.load(request.nowMs), policy, request);
    await this.save(result.state);
    return result.admission;
  }

  async settle(
    policy: KeyPolicy,
    outcome: { leaseId: string; usedTokens: number; costUsd: number; nowMs: number },
  ): Promise<void> {
    await this.save(settle(await this.load(outcome.nowMs), policy, outcome));
  }

  async setRevoked(revoked: boolean, nowMs: number): Promise<void> {
    await this.save({ ...(await this.load(nowMs)), revoked });
  }
}
