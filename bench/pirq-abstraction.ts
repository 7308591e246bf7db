/**
 * Measurement, not part of the checker: how large is today's hostile-hvm graph when get_free_pirq may return
 * any free pirq (an over-approximation of its highest-free choice) and pirq numbers are renamed canonically?
 * (docs/performance.md, "Why today's hostile-hvm row is so large".)
 *
 *   npx tsx bench/pirq-abstraction.ts [maxClasses] [scenario] [guest] [qemu] [xen]
 *
 * A breadth-first search over that abstract system: the model's step, with get_free_pirq replaced by a choice
 * among the free pirqs of the window (the highest one nothing references, and each free one something does
 * reference: pirqs nothing references are interchangeable); a class is the default identity
 * (checker/identity.ts) of the world after its pirqs are renamed. Prints classes and transitions every five
 * levels, whether the graph ended, and the invariants violated in it with the depth of their first violation.
 *
 * Environment: DEPTH=n stops after n levels (and prints every level); MODE=concrete keeps get_free_pirq and
 * the pirq numbers as they are (the concrete graph, for comparison); the canonical renaming is by default
 * "refined" (pirqs ordered by where they occur, described without renamed numbers; every order of the pirqs
 * that tie is tried, in both device orders, and the smallest key kept), EXACT=1 tries every order of all the pirqs that occur (slow),
 * REFINED=0 names pirqs in first-occurrence order (fast, splits classes), CHECK=1 checks on every successor
 * that the refined form gives one key per exact class.
 *
 * Where pirqs are: Xen's pirq records (keys), irq_pirq and ports (values); QEMU's MSI-X entries (pirq, and the
 * pirq a message names, as pirqFromMsg decodes it); the guest's irqs. Left out, as the default identity leaves
 * them out for today's stack: pirq_to_irq (read only with guestReuse 'ever-bound'), the message and committed
 * message of an entry without a pirq that is not marked updated. Only for HVM scenarios without lifecycle
 * actions (no PV or dom0 records hold pirqs there).
 */
import { resolveConfig, type Resolved } from '../model/config.ts';
import { TODAY } from '../checker/matrix.ts';
import { initialWorld, enabledActions } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import { defaultIdentity, makeIdentity } from '../checker/identity.ts';
import { INVARIANTS, violations } from '../model/invariants.ts';
import { isFreePirq } from '../model/components/xen/irq.ts';
import { pirqFromMsg } from '../model/components/qemu.ts';
import { xen_msi_compose_msg } from '../model/components/guest.ts';
import { ERRNO, type MsiMsg } from '../model/types.ts';
import type { World } from '../model/world.ts';
import type { Sys } from '../model/context.ts';

const maxClasses = Number(process.argv[2] ?? 2_000_000);
const CONCRETE_MODE = process.env['MODE'] === 'concrete';
/** Every order of the pirqs that occur, the smallest key kept: the exact canonical form (slow). */
const EXACT = process.env['EXACT'] === '1';
/** Pirqs ordered by where they occur; only pirqs that tie are tried in every order (default). */
const REFINED = process.env['REFINED'] !== '0';
/** CHECK=1: compare the refined form with the exact one on every successor (slow). */
const CHECK = process.env['CHECK'] === '1';
const r0 = resolveConfig({
  scenario: process.argv[3] ?? 'hostile-hvm',
  guest: process.argv[4] ?? TODAY.guest,
  qemu: process.argv[5] ?? TODAY.qemu,
  xen: process.argv[6] ?? TODAY.xen,
  dom0: TODAY.dom0,
  toolstack: TODAY.toolstack,
});

type Mut = Record<string, any>;

function renameMsg(m: MsiMsg, f: (p: number) => number): MsiMsg | null {
  const p = pirqFromMsg(m);
  if (p < 0) return null;
  const n = xen_msi_compose_msg(f(p), m.data !== 0x4300);
  const back = xen_msi_compose_msg(p, m.data !== 0x4300);
  if (back.address_lo !== m.address_lo || back.address_hi !== m.address_hi || back.data !== m.data) throw new Error(`message not a composed one: ${JSON.stringify(m)}`);
  return n;
}

function renamed(w: World, f: (p: number) => number): World {
  const c = structuredClone(w) as Mut;
  c['audit'] = [];
  for (const d of Object.values(c['xen'].domains) as Mut[]) {
    const np: Mut = {};
    for (const [k, v] of Object.entries(d['pirqs'])) np[f(Number(k))] = v;
    d['pirqs'] = np;
    for (const [k, v] of Object.entries(d['irq_pirq'] as Record<string, number>)) d['irq_pirq'][k] = v < 0 ? -f(-v) : f(v);
    for (const [k, v] of Object.entries(d['ports'] as Record<string, number>)) d['ports'][k] = f(v);
    const nf: Mut = {};
    for (const [k, v] of Object.entries(d['forced'])) nf[f(Number(k))] = v;
    d['forced'] = nf;
  }
  for (const q of Object.values(c['qemu']) as Mut[]) {
    for (const qd of Object.values(q['devices']) as Mut[]) {
      for (const e of qd['msix'].msix_entry as Mut[]) {
        if (e['pirq'] >= 0) e['pirq'] = f(e['pirq']);
        const m = renameMsg({ address_lo: e['addr_lo'], address_hi: e['addr_hi'], data: e['data'] }, f);
        if (m) { e['addr_lo'] = m.address_lo; e['addr_hi'] = m.address_hi; e['data'] = m.data; }
        if (e['committed']) {
          const cm = renameMsg({ address_lo: e['committed'].addr_lo, address_hi: e['committed'].addr_hi, data: e['committed'].data }, f);
          if (cm) e['committed'] = { addr_lo: cm.address_lo, addr_hi: cm.address_hi, data: cm.data };
        }
      }
      const msi = qd['msi'];
      if (msi.pirq >= 0) msi.pirq = f(msi.pirq);
      const mm = renameMsg({ address_lo: msi.addr_lo, address_hi: msi.addr_hi, data: msi.data }, f);
      if (mm) { msi.addr_lo = mm.address_lo; msi.addr_hi = mm.address_hi; msi.data = mm.data; }
    }
  }
  for (const k of Object.values(c['guests']) as Mut[]) {
    for (const gi of Object.values(k['irqs']) as Mut[]) gi['pirq'] = f(gi['pirq']);
    const np: Mut = {};
    for (const [kk, v] of Object.entries(k['pirq_to_irq'])) np[f(Number(kk))] = v;
    k['pirq_to_irq'] = np;
  }
  return c as World;
}

const GSI = r0.scenario.nr_irqs_gsi;
const NR = r0.scenario.nr_pirqs;
function canonical(w: World): World {
  if (CONCRETE_MODE) return w;
  if (EXACT) return exactCanonical(w);
  if (REFINED) return refinedCanonical(w);
  // First-occurrence order: QEMU's entries by device and entry, the guest's irqs, then Xen's records.
  const names = new Map<number, number>();
  let next = NR - 1;
  for (const p of signatures(w).keys()) names.set(p, next--);
  return renamed(w, (p) => names.get(p) ?? p);
}

function exactCanonical(w: World): World {
  const occ = [...signatures(w).keys()];
  let best: string | null = null;
  let bestW = w;
  const perm = (rest: number[], order: number[]): void => {
    if (!rest.length) {
      const names = new Map(order.map((p, i) => [p, NR - 1 - i] as const));
      const cw = renamed(w, (p) => names.get(p) ?? p);
      const k = id.key(cw);
      if (best === null || k < best) { best = k; bestW = cw; }
      return;
    }
    for (let i = 0; i < rest.length; i++) perm([...rest.slice(0, i), ...rest.slice(i + 1)], [...order, rest[i]!]);
  };
  perm(occ, []);
  return bestW;
}

/**
 * Where each pirq occurs, described without any renamed number: the pirq's signature (hostile-hvm / nvme-hvm: HVM
 * guests, no PV or lifecycle records). Xen's pirq records (keys), irq_pirq and ports (values); QEMU's MSI-X entries
 * (pirq, and the pirq a message names, as pirqFromMsg decodes it); the guest's irqs. Left out, as the default
 * identity leaves them out for today's stack: pirq_to_irq, and the message and committed message of an entry
 * without a pirq that is not marked updated.
 */
function signatures(w: World, swap = false): Map<number, string[]> {
  // The device indices of the labels, swapped for the other order of the two devices (the identity's swap).
  const dx = (x: number | string): number => (swap && (Number(x) === 0 || Number(x) === 1) ? 1 - Number(x) : Number(x));
  const sig = new Map<number, string[]>();
  const at = (p: number, label: string): void => {
    if (p < GSI || p >= NR) throw new Error(`pirq ${p} outside the window`);
    let l = sig.get(p);
    if (!l) sig.set(p, (l = []));
    l.push(label);
  };
  for (const [dom, q] of Object.entries(w.qemu)) {
    for (const [dev, qd] of Object.entries(q.devices)) {
      qd.msix.msix_entry.forEach((e, k) => {
        if (e.pirq >= 0) at(e.pirq, `q${dom}.${dx(dev)}.${k}.p`);
        const m = pirqFromMsg({ address_lo: e.addr_lo, address_hi: e.addr_hi, data: e.data });
        if (m >= 0 && (e.pirq >= 0 || e.updated)) at(m, `q${dom}.${dx(dev)}.${k}.m`);
        if (e.committed && e.pirq >= 0) {
          const c = pirqFromMsg({ address_lo: e.committed.addr_lo, address_hi: e.committed.addr_hi, data: e.committed.data });
          if (c >= 0) at(c, `q${dom}.${dx(dev)}.${k}.c`);
        }
      });
      if (qd.msi.pirq >= 0) at(qd.msi.pirq, `q${dom}.${dx(dev)}.msi.p`);
      const mm = pirqFromMsg({ address_lo: qd.msi.addr_lo, address_hi: qd.msi.addr_hi, data: qd.msi.data });
      if (mm >= 0) at(mm, `q${dom}.${dx(dev)}.msi.m`);
    }
  }
  for (const [dom, k] of Object.entries(w.guests)) {
    const listed = new Map<number, string>();
    for (const [dv, gd] of Object.entries(k.devices)) for (const [en, irq] of Object.entries(gd.msi_list)) listed.set(irq, `${dx(dv)}.${en}`);
    for (const [irqS, gi] of Object.entries(k.irqs)) {
      at(gi.pirq, `g${dom}.${dx(gi.dev)}.${gi.entry}.${gi.msix ? 'x' : 'i'}.${gi.requested ? 'r' : '-'}.${gi.evtchn > 0 ? 'e' : '-'}.${listed.get(Number(irqS)) ?? 'stale'}`);
    }
  }
  for (const [dom, d] of Object.entries(w.xen.domains)) {
    for (const [pS, v] of Object.entries(d.pirqs)) {
      const md = v.irq > 0 ? w.xen.irqs[v.irq]?.msi_desc : undefined;
      at(Number(pS), `x${dom}.${v.irq > 0 ? 'm' : v.irq < 0 ? 'n' : v.irq}.${v.evtchn > 0 ? 'e' : '-'}.${v.emuirq}.${v.dpci ? v.dpci.gvec : '-'}.${md ? `${dx(md.dev)}/${md.entry_nr}/${md.msix}` : '-'}`);
    }
    for (const [irqS, v] of Object.entries(d.irq_pirq)) {
      const md = w.xen.irqs[Number(irqS)]?.msi_desc;
      at(Math.abs(v), `x${dom}.ip.${v < 0 ? 'n' : 'p'}.${md ? `${dx(md.dev)}/${md.entry_nr}` : '-'}`);
    }
    for (const v of Object.values(d.ports)) at(v, `x${dom}.port`);
    for (const [pS, f] of Object.entries(d.forced)) at(Number(pS), `x${dom}.f.${f.unmapped}.${f.unbound}`);
  }
  return sig;
}

let capped = 0;
/**
 * The smallest key over the orders of the pirqs that signatures leave tied. The identity also swaps the two
 * devices, so the signatures are taken in both device orders (their labels name devices) and the smaller key of
 * the two kept: a form of the world up to pirq renaming and device swap together.
 */
function refinedCanonical(w: World): World {
  let best: string | null = null;
  let bestW = w;
  for (const swap of id.options.symmetry ? [false, true] : [false]) {
    const groups = new Map<string, number[]>();
    for (const [p, l] of signatures(w, swap)) {
      const key = l.sort().join(' ');
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(p);
    }
    const ordered = [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
    let n = 1;
    for (const g of ordered) for (let i = 2; i <= g.length; i++) n *= i;
    if (n > 5040) { capped++; n = 1; }
    const tryOrder = (order: number[]): void => {
      const names = new Map(order.map((p, i) => [p, NR - 1 - i] as const));
      const cw = renamed(w, (p) => names.get(p) ?? p);
      const k = id.key(cw);
      if (best === null || k < best) { best = k; bestW = cw; }
    };
    const perms = (g: number[]): number[][] => (g.length <= 1 || n === 1 ? [g] : g.flatMap((x, i) => perms([...g.slice(0, i), ...g.slice(i + 1)]).map((r) => [x, ...r])));
    const rec = (i: number, acc: number[]): void => {
      if (i === ordered.length) return tryOrder(acc);
      for (const pg of perms(ordered[i]!)) rec(i + 1, [...acc, ...pg]);
    };
    rec(0, []);
  }
  return bestW;
}

/* ---- the choice among free pirqs ---- */
let picks: readonly number[] = [];
let pos = 0;
let counts: number[] = [];
let returned = new Set<number>();
function anyFreePirq(s: Sys, d: Parameters<typeof isFreePirq>[0]): number {
  const refs = new Set<number>(returned);
  for (const p of signatures(s.w).keys()) refs.add(p);
  const cands: number[] = [];
  let clean = false;
  for (let p = d.nr_pirqs - 1; p >= s.w.xen.nr_irqs_gsi; p--) {
    if (!isFreePirq(d, p)) continue;
    if (refs.has(p)) cands.push(p);
    else if (!clean) { cands.push(p); clean = true; }
  }
  if (cands.length === 0) return -ERRNO.ENOSPC;
  if (CONCRETE_MODE) cands.length = 1;
  const i = pos < picks.length ? picks[pos]! : 0;
  counts.push(cands.length);
  pos++;
  const p = cands[i]!;
  returned.add(p);
  return p;
}
const rA: Resolved = { ...r0, fns: { ...r0.fns, xen: { ...r0.fns.xen, get_free_pirq: anyFreePirq } } };

function successors(w: World, a: Parameters<typeof apply>[1]): World[] {
  const out: World[] = [];
  const stack: number[][] = [[]];
  while (stack.length) {
    const pre = stack.pop()!;
    picks = pre; pos = 0; counts = []; returned = new Set();
    out.push(apply(w, a, rA, true).world);
    for (let k = pre.length; k < counts.length; k++) {
      for (let j = 1; j < counts[k]!; j++) {
        const zeros = new Array<number>(k - pre.length).fill(0);
        stack.push([...pre, ...zeros, j]);
      }
    }
  }
  return out;
}

const id = makeIdentity(defaultIdentity(r0));
const seen = new Set<string>();
const cross = new Map<string, string>();
const exact = new Map<string, string>();
const w0 = initialWorld(r0.scenario);
seen.add(id.key(canonical(w0)));
let frontier: World[] = [w0];
let transitions = 0;
let depth = 0;
const firstViolation = new Map<string, number>();
const t0 = process.hrtime.bigint();
let stopped = false;
const maxDepth = Number(process.env['DEPTH'] ?? 0) || Infinity;
while (frontier.length && !stopped && depth < maxDepth) {
  const next: World[] = [];
  for (const w of frontier) {
    for (const a of enabledActions(w, r0.scenario)) {
      for (const s of successors(w, a)) {
        transitions++;
        for (const v of violations(s, INVARIANTS)) if (!firstViolation.has(v.invariant)) firstViolation.set(v.invariant, depth + 1);
        const k = id.key(canonical(s));
        if (CHECK) {
          // The refined form against the exact one: the same key for the same class, on every successor.
          const ek = id.key(exactCanonical(s));
          const prev = cross.get(k);
          if (prev === undefined) cross.set(k, ek);
          else if (prev !== ek) throw new Error(`the refined canonical form merges two classes at depth ${depth + 1}`);
          const back = exact.get(ek);
          if (back === undefined) exact.set(ek, k);
          else if (back !== k) throw new Error(`the refined canonical form splits a class at depth ${depth + 1}`);
        }
        if (seen.has(k)) continue;
        seen.add(k);
        next.push({ ...s, audit: [] });
        if (seen.size >= maxClasses) { stopped = true; break; }
      }
      if (stopped) break;
    }
    if (stopped) break;
  }
  depth++;
  frontier = next;
  if (depth % 5 === 0 || !frontier.length || maxDepth < Infinity) console.log(`depth ${depth}: ${seen.size} classes, ${transitions} transitions, frontier ${frontier.length}, ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s; violated: ${firstViolation.size}`);
}
console.log(`${stopped ? 'BOUNDED' : frontier.length ? `TO DEPTH ${depth}` : 'COMPLETE'}: ${seen.size} classes, ${transitions} transitions, depth ${depth}; identity guard: ${id.guard ? JSON.stringify(id.guard) : 'none'}`);
console.log(`orderings capped: ${capped}`);
console.log(`violated in the abstract graph: ${[...firstViolation].map(([n, d]) => `${n}@${d}`).join(', ') || 'none'}`);
