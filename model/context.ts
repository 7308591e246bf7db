import type { CallLog } from './trace.ts';
import type { World } from './world.ts';
import type { Flags } from './variants.ts';

/**
 * What a handler sees while one step runs: the world (read through `w`, written through model/cow.ts), the
 * call log, and the flags of the configured variants. By convention a component's functions change only
 * their own slice of `w`; to affect another component they call that component's exported functions, which
 * record a nested call.
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
}
