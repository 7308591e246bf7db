import type { CallLog } from './trace.ts';
import type { World } from './world.ts';
import type { Flags } from './variants.ts';
import type { Functions } from './functions.ts';

/**
 * What a handler sees while one step runs: the world (read through `w`, written through model/cow.ts), the
 * call log, the flags of the configured variants and the table of modelled functions they resolve to. By
 * convention a component's functions change only their own slice of `w`; to affect another component they
 * call that component's functions through `fn`, which record a nested call.
 */
export interface Sys {
  /** The step's root: read-only by type; writes go through `edit`/`own` (model/cow.ts). */
  readonly w: World;
  /**
   * The objects this step owns (may write in place): the root and the copies `own` made. Null when the whole
   * world is a private copy (the whole-copy reference step, unit tests' worlds built by hand): every object
   * is then written in place.
   */
  readonly owned: Set<object> | null;
  readonly log: CallLog;
  readonly flags: Flags;
  /**
   * The modelled functions of every component, as the configuration resolves them (model/functions.ts): the
   * built-in implementations, with those a variant replaces or wraps. Every call of a modelled function goes
   * through it (`s.fn.xen.PHYSDEVOP_map_pirq(s, ...)`), so a replaced function takes effect wherever it is called.
   */
  readonly fn: Functions;
}
