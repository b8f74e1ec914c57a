import { parseCatalogue, type Catalogue, type ProviderSpec } from '../config/models';
import { compileRoute, type CompiledRoute } from './route';
import { loadRouterModel, type RouterModel } from './score';
import { routerWeights } from './weights';

/**
 * The catalogue as the request path uses it: lookups in Maps (a client-chosen name such as
 * `constructor` must never hit an object prototype), thresholds fixed, the router's weights decoded.
 * Built once per isolate by bindings.ts.
 */
export interface ModelCatalogue {
  version: number;
  models: ReadonlyMap<string, { description?: string; provider?: ProviderSpec }>;
  aliases: ReadonlyMap<string, string>;
  routes: ReadonlyMap<string, CompiledRoute>;
  router: RouterModel;
}

export function compileCatalogue(catalogue: Catalogue, router: RouterModel): ModelCatalogue {
  return {
    version: catalogue.version,
    models: new Map(Object.entries(catalogue.models)),
    aliases: new Map(Object.entries(catalogue.aliases)),
    routes: new Map(
      Object.entries(catalogue.routes).map(([name, spec]) => [
        name,
        compileRoute(name, spec, router.referenceScores),
      ]),
    ),
    router,
  };
}

let checkedInRouter: RouterModel | undefined;

/**
 * The catalogue from a `MODEL_CATALOGUE` value (the default when absent) with the checked-in
 * router weights, which are decoded once per isolate.
 */
export function buildModelCatalogue(json?: string): ModelCatalogue {
  checkedInRouter ??= loadRouterModel(routerWeights);
  return compileCatalogue(parseCatalogue(json), checkedInRouter);
}

export type NameResolution =
  { kind: 'model'; model: string; alias?: string } | { kind: 'route'; route: CompiledRoute };

/**
 * An alias becomes its model, a routed name its route; any other name is taken as a concrete
 * model, which the pool then serves or answers 404 for (unknown) as before.
 */
export function resolveName(catalogue: ModelCatalogue, name: string): NameResolution {
  const route = catalogue.routes.get(name);
  if (route !== undefined) return { kind: 'route', route };
  const target = catalogue.aliases.get(name);
  if (target !== undefined) return { kind: 'model', model: target, alias: name };
  return { kind: 'model', model: name };
}

/**
 * Whether a key's `allowedModels` lets it ask for `name` (null: everything). An alias is allowed
 * when it or its model is listed, since it is only another name for that model. A routed name must
 * be listed itself; allowing it lets the router use every tier, without allowing the tiers' models
 * by name (so a key limited to `auto` cannot pick the large model for every request).
 */
export function mayUse(
  allowed: readonly string[] | null,
  catalogue: ModelCatalogue,
  name: string,
): boolean {
  if (allowed === null || allowed.includes(name)) return true;
  const target = catalogue.aliases.get(name);
  return target !== undefined && allowed.includes(target);
}
