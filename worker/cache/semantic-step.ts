import type { CachedAnswer } from './cached-answer';
import { parseCachedAnswer } from './cached-answer';
import { canonicalJson, keyFields, sha256Hex } from './cache-key';
import type { CacheStore, SemanticCache } from '../ports';

/**
 * The semantic step of the cache, run after an exact miss. Only short, tool-free, single-choice
 * conversations are eligible; the embedding is of the final user turn only, and everything else
 * that shapes the answer (tenant, model, system prompt, earlier turns, every parameter) goes into
 * a scope hash that is the index namespace — a hard partition applied before any ranking, never a
 * distance (RELIABILITY K3). A hit needs the model's threshold (which a request may raise, never
 * lower: K4) and the false-hit guards; it then reads the stored answer of the exact entry the
 * vector points at, so purging the exact entry also ends its semantic hits.
 */

/** Kept in the vector's metadata for the guards; Vectorize allows 10 KiB of metadata. */
const maxStoredTextChars = 2000;
/** Neighbours examined: the best few, in case the closest one fails the guards. */
const topK = 3;

export interface SemanticProbe {
  scope: string;
  /** The final user turn, as embedded. */
  text: string;
  vector: number[];
}

export type SemanticLookup =
  | {
      kind: 'hit';
      answer: CachedAnswer;
      similarity: number;
      /** The exact entry that answered (its `x-switchyard-cache-key`). */
      kvKey: string;
      probe: SemanticProbe;
    }
  | { kind: 'miss'; probe: SemanticProbe };

function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const part of content as unknown[]) {
    if (typeof part !== 'object' || part === null) return undefined;
    const { type, text } = part as { type?: unknown; text?: unknown };
    // An image or audio part is not in the embedded text, so the request is not eligible.
    if (type !== 'text' || typeof text !== 'string') return undefined;
    parts.push(text);
  }
  return parts.join('\n');
}

/** The final user turn's text if the request may use the semantic cache, else undefined. */
export function semanticQueryText(
  body: Readonly<Record<string, unknown>>,
  maxMessages: number,
): string | undefined {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > maxMessages) {
    return undefined;
  }
  const hasTools = (name: string) => Array.isArray(body[name]) && (body[name] as []).length > 0;
  if (hasTools('tools') || hasTools('functions')) return undefined;
  if (typeof body.n === 'number' && body.n > 1) return undefined;
  const last = messages[messages.length - 1] as { role?: unknown; content?: unknown };
  if (last.role !== 'user') return undefined;
  const text = textOf(last.content);
  return text === undefined || text.trim().length === 0 ? undefined : text;
}

/** Everything but the final user turn, hashed with the tenant: the index namespace (64 hex). */
export function semanticScope(
  tenantId: string,
  model: string,
  body: Readonly<Record<string, unknown>>,
): Promise<string> {
  const messages = body.messages as unknown[];
  const fields = keyFields('chat', model, { ...body, messages: messages.slice(0, -1) });
  return sha256Hex(canonicalJson({ v: 1, kind: 'semantic-scope', tenant: tenantId, fields }));
}

export type ThresholdResult = { ok: true; threshold: number | undefined } | { ok: false };

/**
 * The operator's threshold for the model (`SEMANTIC_THRESHOLDS`, else the semantic cache's own);
 * `x-switchyard-similarity-threshold` may only raise it (K4). Undefined: no threshold was set or
 * measured, so no semantic hit may be served. A header outside [0, 1] is a client error.
 */
export function effectiveThreshold(
  byModel: Readonly<Record<string, number>>,
  fallback: number | undefined,
  model: string,
  requested: string | undefined,
): ThresholdResult {
  const configured = byModel[model] ?? fallback;
  if (requested === undefined) return { ok: true, threshold: configured };
  const asked = Number(requested);
  if (requested.trim() === '' || !Number.isFinite(asked) || asked < 0 || asked > 1) {
    return { ok: false };
  }
  return {
    ok: true,
    threshold: configured === undefined ? undefined : Math.max(configured, asked),
  };
}

export async function semanticLookup(
  semantic: SemanticCache,
  store: CacheStore,
  input: { scope: string; text: string; threshold: number },
): Promise<SemanticLookup> {
  const [vector] = await semantic.embedder.embed([input.text]);
  const probe: SemanticProbe = { scope: input.scope, text: input.text, vector: vector ?? [] };
  if (vector === undefined) return { kind: 'miss', probe };
  const matches = await semantic.index.query(vector, { topK, namespace: input.scope });
  const candidates = matches
    .filter((m) => m.score >= input.threshold)
    .filter((m) => typeof m.metadata.key === 'string' && typeof m.metadata.text === 'string')
    .sort((a, b) => b.score - a.score);
  for (const match of candidates) {
    if (!semantic.guardsPass(input.text, String(match.metadata.text))) continue;
    const kvKey = String(match.metadata.key);
    const answer = parseCachedAnswer(await store.get(kvKey));
    if (answer !== undefined) return { kind: 'hit', answer, similarity: match.score, kvKey, probe };
  }
  return { kind: 'miss', probe };
}

/** Points the probe's vector at the exact entry that now holds the answer. */
export function semanticRemember(
  semantic: SemanticCache,
  probe: SemanticProbe,
  exact: { hash: string; kvKey: string },
): Promise<void> {
  return semantic.index.upsert([
    {
      id: exact.hash,
      values: probe.vector,
      namespace: probe.scope,
      metadata: { key: exact.kvKey, text: probe.text.slice(0, maxStoredTextChars) },
    },
  ]);
}
