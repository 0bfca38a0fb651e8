/**
 * How the editor describes a script's packages (SPEC §15): what its `# /// script` block
 * asked for, what `N.lock` pins, or why uv could not resolve them.
 */
import type { ScriptDetail } from '../api/types';

export type Dependencies = NonNullable<ScriptDetail['dependencies']>;

export type PackagesView =
  | { kind: 'resolved'; pins: string[] }
  | { kind: 'failed'; error: string }
  | { kind: 'unresolved'; requested: string[] };

/** `null` for a script that asks for no packages. */
export function packagesView(dependencies: Dependencies | null | undefined): PackagesView | null {
  if (!dependencies) return null;
  if (dependencies.error) return { kind: 'failed', error: dependencies.error };
  if (dependencies.packages.length > 0) {
    return { kind: 'resolved', pins: dependencies.packages.map((p) => `${p.name} ${p.version}`) };
  }
  return { kind: 'unresolved', requested: dependencies.requested };
}
