import type { Logger, ProviderDirectory, SpilloverProvider } from '../ports';
import type { ModelCatalogue } from '../router/model-catalogue';
import type { AttemptTarget } from './attempt';

/** Fields only the gateway's own engines understand; a public provider must not receive them. */
const poolOnlyFields = ['cache_salt'] as const;

/** What `x-switchyard-replica` and the usage row say served the request. */
export function providerTargetId(provider: Pick<SpilloverProvider, 'name'>): string {
  return `provider:${provider.name}`;
}

/**
 * The provider's URL for an engine path: `/v1/chat/completions` under a base URL that already
 * ends in its version (`https://api.openai.com/v1` → `…/v1/chat/completions`).
 */
export function providerUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path.replace(/^\/v1(?=\/)/, '')}`;
}

/**
 * The body a provider receives: the engine body under the provider's name for the model, without
 * the tenant's cache salt (it partitions our own engines' prefix caches and means nothing, or an
 * error, to anyone else).
 */
export function providerBody(
  body: Readonly<Record<string, unknown>>,
  provider: Pick<SpilloverProvider, 'model'>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body, model: provider.model };
  for (const field of poolOnlyFields) delete out[field];
  return out;
}

/**
 * A spillover provider as an attempt target. Only the provider's key and content negotiation are
 * sent: no client header, no request id, no pool credential (RELIABILITY A4), and redirects are
 * not followed (A5).
 */
export function providerTarget(
  provider: SpilloverProvider,
  input: { path: string; body: Readonly<Record<string, unknown>>; stream: boolean },
): AttemptTarget {
  const url = providerUrl(provider.baseUrl, input.path);
  const bodyText = JSON.stringify(providerBody(input.body, provider));
  return {
    id: providerTargetId(provider),
    request: (signal) =>
      Promise.resolve(
        new Request(url, {
          method: 'POST',
          body: bodyText,
          signal,
          redirect: 'manual',
          headers: {
            authorization: `Bearer ${provider.apiKey}`,
            'content-type': 'application/json',
            accept: input.stream ? 'text/event-stream' : 'application/json',
          },
        }),
      ),
  };
}

/**
 * The providers the catalogue names, with their keys from the Worker's secrets. A model whose
 * secret is not set has no provider (the pool's own errors stand), and that is logged once per
 * isolate and secret rather than per request.
 */
export function catalogueProviders(
  models: ModelCatalogue['models'],
  secrets: Readonly<Record<string, unknown>>,
  logger: Logger,
): ProviderDirectory {
  const warned = new Set<string>();
  return {
    forModel(model) {
      const spec = models.get(model)?.provider;
      if (spec === undefined) return undefined;
      const apiKey = secrets[spec.apiKeySecret];
      if (typeof apiKey !== 'string' || apiKey === '') {
        if (!warned.has(spec.apiKeySecret)) {
          warned.add(spec.apiKeySecret);
          logger.warn('spillover provider has no key', { model, secret: spec.apiKeySecret });
        }
        return undefined;
      }
      return {
        name: new URL(spec.baseUrl).hostname,
        baseUrl: spec.baseUrl,
        apiKey,
        model: spec.model ?? model,
      };
    },
  };
}
