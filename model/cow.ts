/**
 * Path copying: how a step writes the world without copying all of it.
 *
 * A world that a step returned is never written again: its objects are shared by every world derived from
 * it. A step starts from a new root (a shallow copy of the parent world) and, before writing into an object,
 * makes that object its own: `own(s, parent, key)` replaces `parent[key]` by a shallow copy (once per step)
 * and returns it; `edit(s, 'xen', 'domains', domid, 'pirqs')` does so along a whole path from the root.
 * Every object not on a written path stays shared with the parent world.
 *
 * Rules for handlers:
 *   - read through `s.w` (typed read-only) or through an object obtained from `own`/`edit`;
 *   - write only into an object obtained from `own`/`edit` (typed `Writable`, one level deep: its fields can
 *     be assigned, its children are read-only until made writable in turn);
 *   - an object read from `s.w` before a write to its path is the parent world's and goes stale: obtain the
 *     writable object first (it stays the same object for the rest of the step) or read again from `s.w`.
 *
 * At the end of a step the new objects are frozen (`freezeNew`), so a stray in-place write into a world that
 * is shared throws (ES modules run in strict mode) instead of silently changing other worlds.
 */
import type { Sys } from './context.ts';
import type { World } from './world.ts';
import { guard, refusedWrite } from './guard.ts';
import { VariantRunError } from './variant-error.ts';
import { sysRaw, unwrap, viewAtPath, viewOfChild } from './read-view.ts';

/** One level of mutability: the fields of T can be assigned; what they hold keeps its own (read-only) type. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A shallow copy. A record keyed by integers (pirqs, irqs, ports, domains, devices) is copied key by key: V8's
 * spread takes a slow path for an object with indexed properties (two to three times the cost of the loop,
 * docs/performance.md "Seventh round"); a record with named fields is spread, which is fast for those.
 */
function copy(x: object): object {
  if (Array.isArray(x)) return x.slice();
  const ks = Object.keys(x);
  if (ks.length === 0 || !isIndex(ks[0]!)) return { ...x };
  const src = x as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i]!;
    out[k] = src[k];
  }
  return out;
}
/** Whether a key is an integer index (the first key of a record keyed by integers: they enumerate first). */
function isIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/**
 * The object at `parent[key]`, owned by this step (a shallow copy of it put in its place, the first time).
 * `parent` must itself be owned (the root `s.w`, or an object returned by `own`/`edit`). Throws if there is
 * no object at `parent[key]`: handlers check existence by reading first.
 */
export function own<T extends object, K extends keyof T>(sys: Sys, parentIn: T, key: K): Writable<NonNullable<T[K]>> {
  const user = guard.running?.user === true;
  // A variant's own code holds views of the world (model/read-view.ts): the world's own objects are written.
  const s = user ? sysRaw(sys) : sys;
  const parent = user ? unwrap(parentIn) : parentIn;
  const out = ownRaw(s, parent as Record<PropertyKey, object>, key as PropertyKey);
  return (user ? viewOfChild(s, parentIn, key, out) : out) as Writable<NonNullable<T[K]>>;
}

type N<T> = NonNullable<T>;

/** `own` along a path from the root: the writable object at s.w[a][b]... */
export function edit<A extends keyof World>(s: Sys, a: A): Writable<N<World[A]>>;
export function edit<A extends keyof World, B extends keyof N<World[A]>>(s: Sys, a: A, b: B): Writable<N<N<World[A]>[B]>>;
export function edit<A extends keyof World, B extends keyof N<World[A]>, C extends keyof N<N<World[A]>[B]>>(
  s: Sys,
  a: A,
  b: B,
  c: C,
): Writable<N<N<N<World[A]>[B]>[C]>>;
export function edit<
  A extends keyof World,
  B extends keyof N<World[A]>,
  C extends keyof N<N<World[A]>[B]>,
  D extends keyof N<N<N<World[A]>[B]>[C]>,
>(s: Sys, a: A, b: B, c: C, d: D): Writable<N<N<N<N<World[A]>[B]>[C]>[D]>>;
export function edit<
  A extends keyof World,
  B extends keyof N<World[A]>,
  C extends keyof N<N<World[A]>[B]>,
  D extends keyof N<N<N<World[A]>[B]>[C]>,
  E extends keyof N<N<N<N<World[A]>[B]>[C]>[D]>,
>(s: Sys, a: A, b: B, c: C, d: D, e: E): Writable<N<N<N<N<N<World[A]>[B]>[C]>[D]>[E]>>;
export function edit(sys: Sys, ...path: PropertyKey[]): unknown {
  if (guard.running !== null) {
    const why = refusedWrite(path[0] ?? null);
    if (why) throw new VariantRunError(why);
  }
  const user = guard.running?.user === true;
  const s = user ? sysRaw(sys) : sys;
  let x: object = s.w;
  for (const k of path) x = ownRaw(s, x as Record<PropertyKey, object>, k);
  return user ? viewAtPath(path, x) : x;
}

/** `own` of the world's own objects (no view). */
function ownRaw(s: Sys, parent: Record<PropertyKey, object>, key: PropertyKey): object {
  const x = parent[key] as unknown;
  if (typeof x !== 'object' || x === null) throw new Error(`own: nothing at ${String(key)}`);
  const owned = s.owned;
  if (guard.running !== null && owned !== null) {
    const why = !owned.has(parent) ? refusedWrite(null) : (parent as object) === s.w ? refusedWrite(key) : undefined;
    if (why) throw new VariantRunError(why);
  }
  if (owned === null || owned.has(x)) return x;
  const c = copy(x);
  owned.add(c);
  parent[key] = c;
  return c;
}

/** The root of the step, writable (to add or delete a top-level record's entries). */
export function root(s: Sys): Writable<World> {
  return s.w as Writable<World>;
}

/**
 * Freeze every object of `w` not frozen yet, descending only into such objects: after a step these are the
 * objects the step made (its copies and the values it created), since everything it shares with the parent
 * world is frozen already. A world given as a step's parent that was never frozen (an initial world, a
 * decoded state) gets frozen here through the subtrees its successor shares.
 */
export function freezeNew(x: object): void {
  if (Object.isFrozen(x)) return;
  Object.freeze(x);
  if (Array.isArray(x)) {
    for (const v of x as unknown[]) if (typeof v === 'object' && v !== null) freezeNew(v);
    return;
  }
  for (const k in x) {
    const v = (x as Record<string, unknown>)[k];
    if (typeof v === 'object' && v !== null) freezeNew(v);
  }
}
