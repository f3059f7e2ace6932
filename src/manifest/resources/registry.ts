import { aptProvider } from './apt.js';
import { groupProvider, userProvider } from './account.js';
import { execProvider } from './exec.js';
import { fileProvider } from './file.js';
import { pipProvider, venvProvider } from './python.js';
import { serviceProvider } from './service.js';

/**
 * Every resource type devenv manages, one provider each (src/manifest/provider.ts).
 * The order is the manifest's documented order of types: it orders error messages
 * and the queries of observe's round trip. A new type is one file and one line here.
 */
export const RESOURCE_PROVIDERS = [aptProvider, groupProvider, userProvider, venvProvider, pipProvider, fileProvider, serviceProvider, execProvider] as const;
