/**
 * The public API for describing a fix of your own as a variant of one component, so that pirqcheck can
 * check it (`pirqcheck check --variant-file my-fix.ts`). A variant is data: which decision points (flags)
 * it changes and to what, relative to a base variant of the same component. See docs/writing-a-fix.md.
 *
 * ```ts
 * import { defineVariant } from '../api/index.ts';
 * export default defineVariant({
 *   id: 'my-fix', component: 'guest', title: '...', upstream: 'my patch, not posted yet', versions: 'my tree',
 *   base: 'reuse-pirq-live', flags: { guestReuse: 'never' },
 * });
 * ```
 */
import type { Flags, VariantComponent } from '../model/variants.ts';

export type { Flags, Variant, VariantComponent } from '../model/variants.ts';
export { FLAG_NOTES, flagInfo, flagInfos, type FlagInfo } from './flags.ts';
export { loadVariantFile, VariantFileError } from './load.ts';

/** What a variant file declares. */
export interface VariantSpec {
  /** A new id, unique among the variants of the component: what `--<component> <id>` will select. */
  readonly id: string;
  /** The one component the patch changes (see `pirqcheck variants` for the components). */
  readonly component: VariantComponent;
  /** The patch subject line. */
  readonly title: string;
  /** Commit id, or list message (URL or Message-ID) of the proposal. */
  readonly upstream: string;
  /** Which releases or trees carry it. */
  readonly versions: string;
  readonly link?: string;
  /** How sure you are of the modelled behaviour. */
  readonly confidence?: string;
  /** The variant the patch applies to (default: the component's default variant); its flags are inherited. */
  readonly base?: string;
  /** The decision points the patch changes, and their new values. */
  readonly flags: Partial<Flags>;
}

/** Declare a variant. The identity function, there for the types: your editor checks flag names and values. */
export function defineVariant(spec: VariantSpec): VariantSpec {
  return spec;
}
