/**
 * The state identity of two checkouts on the same worlds: the first N successors a breadth-first search of this
 * checkout generates (its own identity decides which are expanded), keyed by this checkout's identity and by the
 * other's, in one process. Prints whether the two identities partition those successors into the same classes
 * (the same first-occurrence of every class, so the same states would be stored), then the CPU time per key of
 * each, alternated, median of the runs (docs/performance.md, "Seventh round").
 *
 *   npx tsx bench/identity-compare.ts other-checkout-root [scenario guest qemu xen] [--n N] [--reps R]
 *
 * Default: nvme-hvm reuse-pirq unmap-on-disable 4.12, N = 40,000, R = 6. Exits 1 when the partitions differ.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CONFIG, resolveConfig } from '../model/config.ts';
import { enabledActions, initialWorld } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import type { World } from '../model/world.ts';
import * as mine from '../checker/identity.ts';

const args = process.argv.slice(2);
const opt = (name: string, d: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--')));
if (positional.length < 1) {
  console.error('usage: npx tsx bench/identity-compare.ts other-checkout-root [scenario guest qemu xen] [--n N] [--reps R]');
  process.exit(2);
}
const [otherRoot, scenario = 'nvme-hvm', guest = 'reuse-pirq', qemu = 'unmap-on-disable', xen = '4.12'] = positional as [string, ...string[]];
const n = opt('--n', 40_000);
const reps = opt('--reps', 6);

const theirs = (await import(pathToFileURL(path.join(path.resolve(otherRoot), 'checker', 'identity.ts')).href)) as typeof mine;
const r = resolveConfig({ ...DEFAULT_CONFIG, scenario, guest, qemu, xen });
const a = mine.makeIdentity(mine.defaultIdentity(r));
const b = theirs.makeIdentity(theirs.defaultIdentity(r));

// The successors, in the order the explorer generates them.
const worlds: World[] = [];
const w0 = initialWorld(r.scenario);
const seen = new Set<string>([a.key(w0)]);
let frontier = [w0];
fill: while (frontier.length) {
  const next: World[] = [];
  for (const w of frontier)
    for (const act of enabledActions(w, r.scenario)) {
      const s = apply(w, act, r, true).world;
      worlds.push(s);
      const k = a.key(s);
      if (!seen.has(k)) (seen.add(k), next.push(s));
      if (worlds.length >= n) break fill;
    }
  frontier = next;
}

// The same partition: each successor's class is first met at the same index under both identities.
const firstA = new Map<string, number>();
const firstB = new Map<string, number>();
let differ = -1;
for (let i = 0; i < worlds.length && differ < 0; i++) {
  const ka = a.key(worlds[i]!);
  const kb = b.key(worlds[i]!);
  if (!firstA.has(ka)) firstA.set(ka, i);
  if (!firstB.has(kb)) firstB.set(kb, i);
  if (firstA.get(ka) !== firstB.get(kb)) differ = i;
}
const label = `${scenario} ${guest} ${qemu} ${xen}`;
if (differ >= 0) {
  console.log(`${label}: the partitions differ at successor ${differ}`);
  process.exit(1);
}
console.log(`${label}: ${worlds.length} successors, ${firstA.size} classes under both identities (the same partition)`);

const perKey = (id: mine.Identity) => {
  const c0 = process.cpuUsage();
  for (const w of worlds) id.key(w);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / worlds.length;
};
const ta: number[] = [];
const tb: number[] = [];
for (let i = 0; i < reps; i++) {
  tb.push(perKey(b));
  ta.push(perKey(a));
}
const median = (x: number[]) => x.slice().sort((p, q) => p - q)[x.length >> 1]!;
console.log(`CPU µs per key: this checkout ${median(ta).toFixed(2)}, ${otherRoot} ${median(tb).toFixed(2)}, ratio ${(median(ta) / median(tb)).toFixed(3)} (median of ${reps}, alternated)`);
