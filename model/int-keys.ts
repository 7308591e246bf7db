/**
 * The keys of an integer-keyed record (pirqs, irqs, domains, devices, ...) as numbers, in the order Object.keys
 * gives them (ascending for these keys). Enumerating a record's integer keys (for-in, Object.keys,
 * Object.values, Object.entries) makes V8 build their strings on every call, about 0.4 µs a record, where a
 * record with named fields has a cached enumeration; the invariants enumerate some twenty records per world, and
 * a successor shares most of its records with its parent (model/cow.ts). So the lists of the last RING records
 * met are remembered, looked up by identity. That is right only for a world no one writes any more: the worlds
 * `apply` returns (model/step.ts; `Sys.w` is read-only and the test suite freezes every object a step makes), which
 * are what `violations` is given (the explorer, the search, replay). So the memory is on only inside `violations`
 * (`keyMemory`); a check called directly on a world still being built (a test driving handlers on a Sys) enumerates
 * afresh.
 */
const RING = 32;
const objs: (object | null)[] = new Array<object | null>(RING).fill(null);
const lists: (readonly number[])[] = new Array<readonly number[]>(RING).fill([]);
let next = 0;
let on = false;

/** Turn the memory on or off; returns whether it was on. */
export function keyMemory(x: boolean): boolean {
  const was = on;
  on = x;
  return was;
}

export function intKeys(o: object): readonly number[] {
  if (on) for (let i = 0; i < RING; i++) if (objs[i] === o) return lists[i]!;
  const ks = Object.keys(o);
  const out = new Array<number>(ks.length);
  for (let i = 0; i < ks.length; i++) {
    const n = Number(ks[i]);
    if (!Number.isInteger(n) || String(n) !== ks[i]) throw new Error(`intKeys: key '${ks[i]}' is not an integer`);
    out[i] = n;
  }
  if (!on) return out;
  objs[next] = o;
  lists[next] = out;
  next = (next + 1) % RING;
  return out;
}
