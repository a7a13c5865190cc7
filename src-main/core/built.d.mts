/** See built.mjs. */
export function builtIsCurrent(root: string, built: readonly string[]): boolean;
