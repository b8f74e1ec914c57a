import type { Clock, Embedder, SemanticCache, VectorIndex } from '../../ports';
import { guardsPass } from './guards';
import { createLocalEmbedder, localEmbedderThreshold } from './local-embedder';
import { createLocalVectorIndex } from './local-vector-index';
import { createOriginEmbedder, type OriginPost } from './origin-embedder';
import type { SemanticIndex } from './semantic-index-object';
import { createVectorizeIndex, type VectorizeBinding } from './vectorize-index';
import {
  createWorkersAiEmbedder,
  type AiRunner,
  type WorkersAiEmbeddingModel,
} from './workers-ai-embedder';

/** The semantic cache's configuration, already parsed from env by bindings.ts. */
export interface SemanticSettings {
  /** Chosen explicitly, or undefined: Workers AI when the `AI` binding exists, else local. */
  embedder: 'workers-ai' | 'origin' | 'local' | undefined;
  aiModel: WorkersAiEmbeddingModel;
  originModel: string | undefined;
  originDimensions: number | undefined;
  threshold: number | undefined;
  indexVisibilityDelayMs: number;
  indexMaxEntries: number;
}

export interface SemanticBindings {
  ai: AiRunner | undefined;
  vectorize: VectorizeBinding | undefined;
  localIndex: DurableObjectNamespace<SemanticIndex>;
  /** Built only when the origin embedder is chosen. */
  originPost: (model: string) => OriginPost;
  clock: Clock;
}

function chooseEmbedder(settings: SemanticSettings, bindings: SemanticBindings): Embedder {
  const choice = settings.embedder ?? (bindings.ai ? 'workers-ai' : 'local');
  switch (choice) {
    case 'workers-ai':
      if (!bindings.ai) throw new Error('SEMANTIC_EMBEDDER=workers-ai needs the AI binding');
      return createWorkersAiEmbedder(bindings.ai, settings.aiModel);
    case 'origin':
      if (settings.originModel === undefined || settings.originDimensions === undefined) {
        throw new Error(
          'SEMANTIC_EMBEDDER=origin needs SEMANTIC_ORIGIN_MODEL and SEMANTIC_ORIGIN_DIMENSIONS',
        );
      }
      return createOriginEmbedder(bindings.originPost(settings.originModel), {
        model: settings.originModel,
        dimensions: settings.originDimensions,
      });
    case 'local':
      return createLocalEmbedder();
  }
}

/**
 * Picks the adapters: the embedder as configured (or Workers AI when bound, else local), and
 * Vectorize when bound, else the local Durable Object index. The threshold is the operator's, else
 * the one measured for the local embedder; no threshold is invented for an embedder nobody
 * measured here.
 */
export function createSemanticCache(
  settings: SemanticSettings,
  bindings: SemanticBindings,
): SemanticCache {
  const embedder = chooseEmbedder(settings, bindings);
  const index: VectorIndex = bindings.vectorize
    ? createVectorizeIndex(bindings.vectorize)
    : createLocalVectorIndex(bindings.localIndex, {
        clock: bindings.clock,
        visibilityDelayMs: settings.indexVisibilityDelayMs,
        maxEntries: settings.indexMaxEntries,
      });
  const measured = embedder.id === createLocalEmbedder().id ? localEmbedderThreshold : undefined;
  return { embedder, index, threshold: settings.threshold ?? measured, guardsPass };
}
