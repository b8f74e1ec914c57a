import type { ModelCard } from '../core/model-cards';
import type { ProviderDirectory } from '../ports';
import { mayUse, type ModelCatalogue } from './model-catalogue';

/** A `/v1/models` entry for an alias or a routed name: what it stands for, as extra fields. */
export interface NameCard extends ModelCard {
  /** For an alias: the model it names. */
  alias_of?: string;
  /** For a routed name: the models its tiers use, cheapest first. */
  routes_to?: string[];
}

/**
 * The pool's model cards plus the catalogue's aliases and routed names, minus what the key may not
 * use. A name is listed when every model it may send to is servable now (a routed name whose large
 * tier is down would answer some prompts with 503), like the models themselves.
 */
export function visibleCards(
  servable: readonly ModelCard[],
  catalogue: ModelCatalogue,
  allowed: readonly string[] | null,
): NameCard[] {
  const byId = new Map(servable.map((card) => [card.id, card]));
  const named = (id: string, models: readonly string[]): ModelCard | undefined => {
    const cards = models.map((m) => byId.get(m));
    if (cards.some((card) => card === undefined)) return undefined;
    const present = cards as ModelCard[];
    return {
      id,
      object: 'model',
      created: Math.min(...present.map((card) => card.created)),
      owned_by: 'switchyard',
      revisions: [...new Set(present.flatMap((card) => card.revisions))].sort(),
    };
  };
  const cards: NameCard[] = [...servable];
  for (const [alias, model] of catalogue.aliases) {
    const card = named(alias, [model]);
    if (card !== undefined) cards.push({ ...card, alias_of: model });
  }
  for (const [name, route] of catalogue.routes) {
    const models = route.tiers.map((tier) => tier.model);
    const card = named(name, models);
    if (card !== undefined) cards.push({ ...card, routes_to: models });
  }
  return cards
    .filter((card) => mayUse(allowed, catalogue, card.id))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The pool's cards plus a card for each catalogue model that only a spillover provider serves
 * (its key is set): such a model answers requests, so the listing shows it. `created` is 0, as
 * nothing in the pool dates it.
 */
export function withProviderCards(
  pool: readonly ModelCard[],
  catalogue: ModelCatalogue,
  providers: ProviderDirectory,
): ModelCard[] {
  const listed = new Set(pool.map((card) => card.id));
  const extra: ModelCard[] = [];
  for (const id of catalogue.models.keys()) {
    if (listed.has(id) || providers.forModel(id) === undefined) continue;
    extra.push({ id, object: 'model', created: 0, owned_by: 'switchyard', revisions: [] });
  }
  return [...pool, ...extra];
}
