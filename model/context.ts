import type { CallLog } from './trace.ts';
import type { WorldDraft } from './world.ts';
import type { Flags } from './variants.ts';

/**
 * What a handler sees while one step runs: the draft world (a private copy), the call log, and the flags of
 * the configured variants. By convention a component's functions change only their own slice of `w`; to
 * affect another component they call that component's exported functions, which record a nested call.
 */
export interface Sys {
  readonly w: WorldDraft;
  readonly log: CallLog;
  readonly flags: Flags;
}
