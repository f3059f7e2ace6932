/**
 * PEP 503 normalized distribution name: lowercase, each run of "-", "_" and "."
 * one "-", as pip and dist-info folders compare them, so Django, django and
 * DJANGO are one package. The one definition for facts, checks and manifests.
 */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
