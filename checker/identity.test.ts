/**
 * The state identity (checker/identity.ts) against the concrete world: the reduced graph gives the same verdicts,
 * shortest counterexample lengths and violated sets as the concrete one; the number of classes within a depth is
 * the number of distinct canonical images of the concrete states within it; the swap and the projections merge
 * what they should; and the guard catches the dangling references that make a renaming unsound.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, type Config } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { enabledActions } from '../model/scenarios.ts';
import { ERRNO } from '../model/types.ts';
import { apply } from '../model/step.ts';
import type { World } from '../model/world.ts';
import { exhaustiveSet } from './exhaustive.ts';
import { explore } from './explore.ts';
import { swapDevices } from './explore-symmetry.ts';
import { worldFingerprint } from './fingerprint.ts';
import { CONCRETE, NAMESPACES, READS_MODEL, defaultIdentity, makeIdentity, readsOf, withoutGuarded, type IdentityOptions } from './identity.ts';
import { bfsByKey } from './identity-bfs.ts';

/** Item 3's fields all kept (what "everything read" means below and in docs/performance.md); item 2 as by default. */
const ITEM3_KEPT = READS_MODEL;

const GUESTS = ['reuse-pirq', 'reuse-pirq-live', 'fresh-pirq'] as const;
const QEMUS = ['keep-pirqs', 'unmap-on-disable'] as const;
const cfg = (scenario: string, guest: string, qemu: string): Config => ({ ...DEFAULT_CONFIG, scenario, guest, qemu, xen: '4.12' });
/** Today's stack (Xen 4.22, QEMU with the MSI-X latch and commit-on-mask, a guest that never reuses a pirq). */
const today = (scenario: string): Config => ({ scenario, guest: 'linux-6x', qemu: 'bind-unmasked', xen: '4.22', dom0: 'pvops-6x', toolstack: 'libxl-4.22' });
const REDUCED: IdentityOptions = { rename: NAMESPACES, project: true, symmetry: true };
const RENAMED: IdentityOptions = { rename: NAMESPACES, project: true, symmetry: false };

/** The verdict part of an exhaustive set: complete, and each violated invariant with its shortest length. */
function verdicts(x: Awaited<ReturnType<typeof exhaustiveSet>>) {
  return { complete: x.complete, violated: x.violated.map((v) => `${v.invariant}:${v.steps}`).sort(), holds: [...x.holds].sort() };
}

describe('state identity: the reduced graph gives the concrete graph\'s verdicts', () => {
  // The nvme-msi-hvm cells whose concrete graph is complete within 20,000 states.
  for (const [g, q] of [['reuse-pirq', 'keep-pirqs'], ['fresh-pirq', 'unmap-on-disable']] as const) {
    {
      it(`nvme-msi-hvm ${g} ${q}: same completeness, violated invariants and shortest lengths, concrete and reduced`, async () => {
        const budget = { depth: 10_000, maxStates: 20_000 };
        const c = await exhaustiveSet(cfg('nvme-msi-hvm', g, q), INVARIANTS, budget, CONCRETE);
        const red = await exhaustiveSet(cfg('nvme-msi-hvm', g, q), INVARIANTS, budget, REDUCED);
        expect(c.complete).toBe(true);
        expect(verdicts(red)).toEqual(verdicts(c));
        expect(red.states).toBeLessThanOrEqual(c.states);
      });
    }
  }
  // nvme-hvm and hostile-hvm: the concrete graph is far too large; within a depth, the classes reached are the
  // images of the concrete states reached, so the bounded verdicts agree too.
  for (const [sc, depth] of [['nvme-hvm', 12], ['hostile-hvm', 7]] as const)
    for (const g of GUESTS)
      for (const q of QEMUS) {
        it(`${sc} ${g} ${q} within ${depth} steps: same violated invariants and shortest lengths (everything read, and the configuration's reads)`, async () => {
          const budget = { depth, maxStates: 200_000 };
          const c = await exhaustiveSet(cfg(sc, g, q), INVARIANTS, budget, CONCRETE);
          const red = await exhaustiveSet(cfg(sc, g, q), INVARIANTS, budget, REDUCED);
          expect(verdicts(red)).toEqual(verdicts(c));
          const dflt = await exhaustiveSet(cfg(sc, g, q), INVARIANTS, budget, defaultIdentity(resolveConfig(cfg(sc, g, q))));
          expect(verdicts(dflt)).toEqual(verdicts(c));
        });
      }
});

describe('state identity: classes are the canonical images of the concrete states', () => {
  for (const g of GUESTS)
    for (const q of QEMUS) {
      it(`nvme-hvm ${g} ${q}, depth 12: classes == distinct canonical images (renamed, with the swap, and with the configuration's projection)`, () => {
        const r = resolveConfig(cfg('nvme-hvm', g, q));
        const conc = bfsByKey(r, 12, worldFingerprint);
        for (let o of [RENAMED, REDUCED, defaultIdentity(r)]) {
          // As explore does: a namespace with a dangling reference in a state reached is kept concrete.
          let id = makeIdentity(o);
          let red = bfsByKey(r, 12, id.key);
          while (id.guard) {
            o = withoutGuarded(o, id.guard);
            id = makeIdentity(o);
            red = bfsByKey(r, 12, id.key);
          }
          const images = new Set(conc.worlds.map(makeIdentity(o).key));
          expect(red.count).toBe(images.size);
          expect(red.count).toBeLessThan(conc.count);
          // Every class reached is the image of a concrete state reached, and the other way round.
          const reached = new Set(red.worlds.map(makeIdentity(o).key));
          expect([...reached].every((k) => images.has(k))).toBe(true);
        }
      });
    }
});

describe("state identity: the configuration's projection against everything read, on complete graphs", () => {
  // Leaving out what the configuration does not read merges classes of the everything-read graph and loses none:
  // the classes of the flag-aware graph are exactly the images of the everything-read graph's states.
  // (The exhaustive verdicts are compared on the smaller graph; on the larger one the images say it.)
  for (const [sc, g, q, verdictsToo] of [['nvme-msi-hvm', 'reuse-pirq-live', 'unmap-on-disable', true], ['nvme-hvm', 'fresh-pirq', 'unmap-on-disable', false]] as const) {
    it(`${sc} ${g} ${q}: the flag-aware classes are the images of the everything-read graph${verdictsToo ? ', with the same exhaustive verdicts' : ''}`, async () => {
      const r = resolveConfig(cfg(sc, g, q));
      const o = defaultIdentity(r);
      const all = { ...o, reads: ITEM3_KEPT };
      const full = bfsByKey(r, 100_000, makeIdentity(all).key);
      const red = bfsByKey(r, 100_000, makeIdentity(o).key, 2_000_000, false);
      expect(full.complete && red.complete).toBe(true);
      expect(red.count).toBeLessThan(full.count);
      expect(new Set(full.worlds.map(makeIdentity(o).key)).size).toBe(red.count);
      if (!verdictsToo) return;
      const budget = { depth: Infinity, maxStates: 100_000 };
      expect(verdicts(await exhaustiveSet(r, INVARIANTS, budget, o))).toEqual(verdicts(await exhaustiveSet(r, INVARIANTS, budget, all)));
    });
  }
});

/** A copy of JSON data with every record's fields in name order. */
function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortDeep(o[k])]));
}

describe('state identity: the order of a record\'s fields is not part of the state', () => {
  // QEMU adds `committed` to an entry when it first commits and deletes and re-adds `vector_ctrl`: two equal
  // entries can hold their fields in different orders, and must be one state.
  it("today's nvme-hvm-vmsi within 40 steps: as many classes as after sorting every record's fields", () => {
    const r = resolveConfig(today('nvme-hvm-vmsi'));
    const o = defaultIdentity(r);
    const res = bfsByKey(r, 40, makeIdentity(o).key);
    const id = makeIdentity(o);
    expect(res.count).toBeGreaterThan(1000);
    expect(new Set(res.worlds.map((w) => id.key(sortDeep(w) as World))).size).toBe(res.count);
  });
});

/** A random bijection of [lo, lo + 64) (values outside it unchanged). */
function perm(lo: number, rnd: () => number): (v: number) => number {
  const a = Array.from({ length: 64 }, (_, i) => lo + i);
  for (let i = a.length - 1; i > 0; i--) {
    const j = rnd() % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return (v) => (v >= lo && v < lo + 64 ? a[v - lo]! : v);
}

/** Rekey an integer-keyed record (ascending key order, as JavaScript keeps it). */
function rekey<T>(o: Readonly<Record<number, T>>, f: (k: number) => number, g: (v: T) => T = (v) => v): Record<number, T> {
  const out: Record<number, T> = {};
  for (const [k, v] of Object.entries(o)) out[f(Number(k))] = g(v);
  return out;
}

/**
 * The world with its Xen irqs, each guest's Linux irqs and each domain's ports renamed by random bijections (the
 * renaming checker/identity.ts claims to see through), written independently of it, field by field.
 */
function renameWorld(w: World, rnd: () => number): World {
  const xi = perm(w.xen.nr_irqs_gsi, rnd);
  const pt = new Map<number, (v: number) => number>();
  const port = (d: number) => pt.get(d) ?? (pt.set(d, perm(1, rnd)), pt.get(d)!);
  const hw = rekey(w.hw, (k) => k, (d) => ({
    ...d,
    msi: { ...d.msi, xen_irq: d.msi.xen_irq && xi(d.msi.xen_irq) },
    msix: { ...d.msix, entries: d.msix.entries.map((e) => ({ ...e, xen_irq: e.xen_irq && xi(e.xen_irq) })) },
  }));
  const domains = rekey(w.xen.domains, (k) => k, (d) => ({
    ...d,
    pirqs: rekey(d.pirqs, (p) => p, (x) => ({ ...x, irq: x.irq > 0 ? xi(x.irq) : x.irq < -1 ? -xi(-x.irq) : x.irq, evtchn: x.evtchn && port(d.domid)(x.evtchn) })),
    irq_pirq: rekey(d.irq_pirq, xi),
    ports: rekey(d.ports, port(d.domid)),
  }));
  const guests = rekey(w.guests, (k) => k, (k) => {
    const li = perm(24, rnd);
    return {
      ...k,
      irqs: rekey(k.irqs, li, (i) => ({ ...i, irq: li(i.irq), evtchn: i.evtchn && port(k.domid)(i.evtchn) })),
      pirq_to_irq: rekey(k.pirq_to_irq, (p) => p, li),
      devices: rekey(k.devices, (d) => d, (d) => ({ ...d, msi_list: rekey(d.msi_list, (e) => e, li) })),
    };
  });
  return { ...w, hw, xen: { ...w.xen, domains, irqs: rekey(w.xen.irqs, xi) }, guests };
}

/** Every distinct concrete state within `depth` steps. */
function states(c: Config, depth: number): World[] {
  return bfsByKey(resolveConfig(c), depth, worldFingerprint).worlds;
}

describe('state identity: what it merges', () => {
  it('a world and its device swap have the same key under the symmetry, and (mostly) different keys without it', () => {
    for (const sc of ['nvme-hvm', 'nvme-msi-hvm', 'hostile-hvm']) {
      const ws = states(cfg(sc, 'reuse-pirq', 'unmap-on-disable'), 9);
      const sym = makeIdentity(REDUCED);
      const plain = makeIdentity(RENAMED);
      let differ = 0;
      for (const w of ws) {
        const s = swapDevices(w);
        expect(sym.key(s)).toBe(sym.key(w));
        if (plain.key(s) !== plain.key(w)) differ++;
      }
      expect(differ).toBeGreaterThan(ws.length / 2);
    }
  });

  it('renaming the Xen irqs, Linux irqs and ports of a reachable world does not change its key; moving a pirq does', () => {
    let renamedDiffer = 0;
    let n = 0;
    for (const [g, q] of [['reuse-pirq', 'keep-pirqs'], ['reuse-pirq', 'unmap-on-disable']] as const) {
      // (Configurations without a dangling reference within the depth: the guard stays silent.)
      const ws = states(cfg('nvme-hvm', g, q), 10);
      const id = makeIdentity(RENAMED);
      const conc = makeIdentity(CONCRETE);
      let seed = 7;
      for (const w of ws) {
        const x = renameWorld(w, () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0));
        expect(id.key(x)).toBe(id.key(w));
        if (conc.key(x) !== conc.key(w)) renamedDiffer++;
        n++;
      }
      expect(id.guard).toBeNull();
    }
    expect(renamedDiffer).toBeGreaterThan(n / 2);
    // A pirq is not a name: the same world with a vector on another pirq number is another state.
    const w = states(cfg('nvme-hvm', 'fresh-pirq', 'keep-pirqs'), 6).find((x) => Object.keys(x.xen.domains[1]!.pirqs).length === 1)!;
    const p = Number(Object.keys(w.xen.domains[1]!.pirqs)[0]);
    const moved = JSON.parse(JSON.stringify(w).replaceAll(`"${p}":{"irq"`, `"${p - 3}":{"irq"`)) as World;
    expect(makeIdentity(RENAMED).key(moved)).not.toBe(makeIdentity(RENAMED).key(w));
  });

  it('pirq_to_irq is presence, the programmed xen_irq is what deliver reads, QEMU maskall is not read (QEMU before 2.6)', () => {
    const c = cfg('nvme-hvm', 'reuse-pirq', 'keep-pirqs');
    const ws = states(c, 10);
    const id = makeIdentity({ ...RENAMED, reads: readsOf(resolveConfig(c)) });
    const conc = makeIdentity(CONCRETE);
    let checked = 0;
    for (const w of ws) {
      const k = w.guests[1]!;
      const pirqs = Object.keys(k.pirq_to_irq);
      if (!pirqs.length) continue;
      checked++;
      const other = { ...w, guests: { 1: { ...k, pirq_to_irq: Object.fromEntries(pirqs.map((p) => [p, 99])) } } } as World;
      expect(id.key(other)).toBe(id.key(w));
      expect(conc.key(other)).not.toBe(conc.key(w));
      const dev = w.qemu[1]!.devices[0]!;
      const mask = { ...w, qemu: { 1: { ...w.qemu[1]!, devices: { ...w.qemu[1]!.devices, 0: { ...dev, msix: { ...dev.msix, maskall: !dev.msix.maskall } } } } } } as World;
      expect(id.key(mask)).toBe(id.key(w));
      expect(conc.key(mask)).not.toBe(conc.key(w));
      // A vector never programmed (0) and one programmed with an irq Xen no longer has for it are one state.
      const hw = w.hw[0]!;
      const e = hw.msix.entries[2]!;
      if (e.xen_irq === 0 || w.xen.irqs[e.xen_irq]?.msi_desc?.entry_nr === 2) continue;
      const zero = { ...w, hw: { ...w.hw, 0: { ...hw, msix: { ...hw.msix, entries: hw.msix.entries.map((x, i) => (i === 2 ? { ...x, xen_irq: 0 } : x)) } } } } as World;
      expect(id.key(zero)).toBe(id.key(w));
    }
    expect(checked).toBeGreaterThan(100);
  });
});


/** A world with QEMU's device `dev` of domain 1 changed by `f`. */
function withQemuDev(w: World, dev: number, f: (d: World['qemu'][number]['devices'][number]) => object): World {
  const q = w.qemu[1]!;
  return { ...w, qemu: { ...w.qemu, 1: { ...q, devices: { ...q.devices, [dev]: f(q.devices[dev]!) } } } } as World;
}

describe('state identity: what the configuration reads decides what is projected', () => {
  it('reads follow the flags: QEMU maskall with commit-on-mask, pirq_to_irq with the 2.6.37/38 guest, stale entry messages with rewrite-if-unassigned and a guest that never reuses', () => {
    const item2 = { pirqToIrqValues: false, programmedXenIrq: false };
    expect(readsOf(resolveConfig(today('nvme-hvm')))).toEqual({ qemuMaskall: true, pirqToIrq: false, unassignedCommitted: false, unassignedMessage: false, ...item2 });
    expect(readsOf(resolveConfig(cfg('nvme-hvm', 'reuse-pirq', 'keep-pirqs')))).toEqual({ qemuMaskall: false, pirqToIrq: true, unassignedCommitted: true, unassignedMessage: true, ...item2 });
    expect(readsOf(resolveConfig(cfg('nvme-hvm', 'fresh-pirq', 'unmap-on-disable')))).toEqual({ qemuMaskall: false, pirqToIrq: false, unassignedCommitted: true, unassignedMessage: false, ...item2 });
    // A configuration with functions of its own: the same projection (what its code reads is noted as it runs, model/read-view.ts).
    const user = { ...resolveConfig(today('nvme-hvm')), user: { layers: [], verifyLeft: 0 } };
    expect(defaultIdentity(user)).toEqual(defaultIdentity(resolveConfig(today('nvme-hvm'))));
    expect(defaultIdentity(resolveConfig(today('nvme-hvm'))).reads).toEqual(readsOf(resolveConfig(today('nvme-hvm'))));
  });

  it("today's QEMU reads its maskall (xen_pt_msix_update_one): flipping it changes the key; the stale message and committed message of an entry without a pirq do not", () => {
    const c = today('nvme-hvm');
    const o: IdentityOptions = { ...RENAMED, reads: readsOf(resolveConfig(c)) };
    const id = makeIdentity(o);
    const all = makeIdentity({ ...RENAMED, reads: ITEM3_KEPT });
    let stale = 0;
    for (const w of states(c, 14)) {
      const dev = w.qemu[1]?.devices[0];
      if (!dev) continue;
      const mask = withQemuDev(w, 0, (d) => ({ ...d, msix: { ...d.msix, maskall: !d.msix.maskall } }));
      expect(id.key(mask)).not.toBe(id.key(w));
      // pirq_to_irq: nobody reads it with this guest.
      const k = w.guests[1]!;
      const p2i = { ...w, guests: { 1: { ...k, pirq_to_irq: { 50: 99 } } } } as World;
      expect(id.key(p2i)).toBe(id.key(w));
      expect(all.key(p2i)).not.toBe(all.key(w));
      const i = dev.msix.msix_entry.findIndex((e) => e.pirq === -1 && !e.updated);
      if (i < 0) continue;
      stale++;
      const other = withQemuDev(w, 0, (d) => ({
        ...d,
        msix: { ...d.msix, msix_entry: d.msix.msix_entry.map((e, j) => (j === i ? { ...e, addr_lo: 0xfee00000, data: 0x1234, committed: { addr_lo: 1, addr_hi: 2, data: 3 } } : e)) },
      }));
      expect(id.key(other)).toBe(id.key(w));
      expect(all.key(other)).not.toBe(all.key(w));
      // The same entry marked updated: its message is read again (xen_pt_msix_update_one), so it counts.
      const upd = (x: World) => withQemuDev(x, 0, (d) => ({ ...d, msix: { ...d.msix, msix_entry: d.msix.msix_entry.map((e, j) => (j === i ? { ...e, updated: true } : e)) } }));
      expect(id.key(upd(other))).not.toBe(id.key(upd(w)));
    }
    expect(stale).toBeGreaterThan(50);
  });

  for (const [sc, depth] of [['nvme-hvm', 16], ['hostile-hvm', 9], ['nvme-msi-hvm', 16], ['nvme-hvm-vmsi', 14]] as const) {
    it(`today's ${sc}, depth ${depth}: classes == distinct canonical images, and the same verdicts as the concrete graph`, async () => {
      const c = today(sc);
      const r = resolveConfig(c);
      const conc = bfsByKey(r, depth, worldFingerprint);
      // As explore does: a namespace with a dangling reference in a state reached is kept concrete.
      let o = defaultIdentity(r);
      let id = makeIdentity(o);
      let red = bfsByKey(r, depth, id.key, 2_000_000, false);
      while (id.guard) {
        o = withoutGuarded(o, id.guard);
        id = makeIdentity(o);
        red = bfsByKey(r, depth, id.key, 2_000_000, false);
      }
      expect(red.count).toBe(new Set(conc.worlds.map(makeIdentity(o).key)).size);
      expect(red.count).toBeLessThan(conc.count);
      const budget = { depth, maxStates: 200_000 };
      expect(verdicts(await exhaustiveSet(c, INVARIANTS, budget, o))).toEqual(verdicts(await exhaustiveSet(c, INVARIANTS, budget, CONCRETE)));
    });
  }
});

describe('state identity: the dangling-reference guard', () => {
  it('renaming a Xen irq that a forced unbind left in irq_pirq changes what the next PHYSDEVOP_map_pirq returns', () => {
    // After a forced unbind Xen keeps irq_pirq[irq] = -pirq for an irq it destroyed; create_irq hands out the
    // lowest free irq, and a map that gets that irq fails with -EBUSY. Renaming the stale irq (48 -> 49) turns the
    // failure into a success: such a renaming is not a symmetry, and the guard must refuse it.
    const r = resolveConfig(cfg('nvme-hvm', 'reuse-pirq-live', 'keep-pirqs'));
    const id = makeIdentity(RENAMED);
    let found: World | null = null;
    bfsByKey(r, 9, (w) => {
      if (!found && Object.values(w.xen.domains[1]!.irq_pirq).some((p) => p < 0)) found = w;
      return worldFingerprint(w);
    });
    expect(found).not.toBeNull();
    const w = found! as World;
    id.key(w);
    expect(id.guard && 'namespace' in id.guard ? id.guard.namespace : null).toBe('xen-irq');
    const stale = Number(Object.entries(w.xen.domains[1]!.irq_pirq).find(([, p]) => p < 0)![0]);
    const fresh = 48 + Object.keys(w.xen.irqs).length + 1;
    expect(w.xen.irqs[fresh]).toBeUndefined();
    const text = JSON.stringify(w);
    const moved = JSON.parse(text.replace(`"irq_pirq":{"${stale}":`, `"irq_pirq":{"${fresh}":`).replace(`"irq":-${stale},`, `"irq":-${fresh},`)) as World;
    // The same action sequences from both (actions carry no irq numbers): the map results differ on some path.
    const maps = (x: World, depth: number, path: string, out: Map<string, number>): void => {
      if (depth === 0) return;
      for (const [k, a] of enabledActions(x, r.scenario).entries()) {
        const y = apply(x, a, r).world;
        const m = y.audit.find((au) => au.kind === 'map_pirq');
        const here = `${path}/${k}`;
        if (m && m.kind === 'map_pirq') out.set(here, m.rc);
        maps(y, depth - 1, here, out);
      }
    };
    const a = new Map<string, number>();
    const b = new Map<string, number>();
    maps(w, 4, '', a);
    maps(moved, 4, '', b);
    // With the stale irq at the lowest free number, the next map's create_irq gets it and PHYSDEVOP_map_pirq
    // fails (-EEXIST: irq_pirq already names another pirq for it); with it renamed out of the way, the same map
    // succeeds.
    const diverging = [...a.entries()].filter(([k, v]) => b.get(k) !== v);
    expect(diverging.length).toBeGreaterThan(0);
    expect(diverging.every(([k, v]) => v === -ERRNO.EEXIST && b.get(k) === 0)).toBe(true);
  });

  it('explore gives up the Xen irq renaming where a reachable state has a dangling irq, and says so', async () => {
    const r = resolveConfig(cfg('nvme-hvm', 'reuse-pirq-live', 'keep-pirqs'));
    // Without invariants, so that no violation ends the search before the dangling state is met.
    const res = await explore(r, { depth: 12, maxStates: 100_000, invariants: [] });
    expect(res.identityFallbacks.map((f) => ('namespace' in f ? f.namespace : f.fields.join()))).toEqual(['xen-irq']);
    expect(res.identity).not.toMatch(/xen-irq/);
    expect(res.identity).toMatch(/guest-irq, port/);
    const plain = await explore(resolveConfig(cfg('nvme-hvm', 'reuse-pirq', 'keep-pirqs')), { depth: 12, maxStates: 100_000, invariants: [] });
    expect(plain.identityFallbacks).toEqual([]);
  });

  it('is the default only off the lifecycle scenarios, and the swap only where the devices are interchangeable', () => {
    const life = resolveConfig({ ...DEFAULT_CONFIG, scenario: 'reboot-hvm' });
    expect(defaultIdentity(life)).toEqual({ rename: [], project: false, symmetry: false });
    for (const sc of ['nvme-hvm', 'nvme-msi-hvm', 'hostile-hvm']) expect(defaultIdentity(resolveConfig(cfg(sc, 'reuse-pirq', 'keep-pirqs'))).symmetry).toBe(true);
  });
});
