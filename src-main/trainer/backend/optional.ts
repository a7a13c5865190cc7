/**
 * Imports an optional dependency by name. The name arrives as an argument so that neither the bundler
 * (which would otherwise pull the package into the build, away from its native files) nor the type
 * checker requires the package; where it is missing the import rejects and the caller says why.
 */
export function importOptional(pkg: string): Promise<unknown> {
  return import(pkg);
}
