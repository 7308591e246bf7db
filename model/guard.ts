/**
 * The write check of a variant's own code (model/overrides.ts): which override is running in this thread, if
 * any, and the world slices it may write. Kept apart from overrides.ts so that model/cow.ts can read it
 * without importing the tables. Null whenever built-in code runs, so a configuration without overrides pays
 * one comparison per edit/own.
 */
export interface Running {
  readonly component: string;
  readonly fn: string;
  /** The top-level world keys the running override may write. */
  readonly slices: readonly PropertyKey[];
  readonly where: string;
  /**
   * A variant's own code (not a built-in function checked as if it were one): it runs on a view of the world
   * that notes what it reads of the fields the state identity may leave out (model/read-view.ts).
   */
  readonly user?: boolean;
}

export const guard: { running: Running | null } = { running: null };

/** Why a write by the running override is refused, or undefined. `top` is the world key written, null if unknown. */
export function refusedWrite(top: PropertyKey | null): string | undefined {
  const r = guard.running;
  if (r === null) return undefined;
  if (top === null) return `${r.where}: ${r.fn} wrote into an object the step does not own (write through edit/own, model/cow.ts)`;
  if (!r.slices.includes(top)) {
    return `${r.where}: ${r.fn} wrote world.${String(top)}, which is not the ${r.component} component's state (a ${r.component} variant writes ${r.slices.join(', ')}; call the other component's function through s.fn instead)`;
  }
  return undefined;
}
