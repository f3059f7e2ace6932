import type { ResourceProvider } from './provider.js';
import { RESOURCE_PROVIDERS } from './resources/registry.js';

/**
 * Looking providers up, apart from the registry's list so that a test can register
 * a provider of its own (vi.mock of the registry) and every stage sees it.
 */

/** A provider as the stages see it: of some resource type, not known which (each takes only its own resources). */
export type AnyProvider = ResourceProvider<string, unknown>;

let byType: Map<string, AnyProvider> | undefined;

function providers(): Map<string, AnyProvider> {
  byType ??= new Map((RESOURCE_PROVIDERS as readonly unknown[] as AnyProvider[]).map((p) => [p.type, p]));
  return byType;
}

/** The types, in the registry's order. */
export function resourceTypes(): string[] {
  return [...providers().keys()];
}

/** Every provider, in the registry's order. */
export function allProviders(): AnyProvider[] {
  return [...providers().values()];
}

export function isResourceType(type: string): boolean {
  return providers().has(type);
}

export function providerFor(type: string): AnyProvider {
  const provider = providers().get(type);
  if (!provider) throw new Error(`no provider for resource type "${type}"`);
  return provider;
}
