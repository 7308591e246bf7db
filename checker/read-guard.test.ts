/**
 * A fix written as code gets the configuration's projection (checker/identity.ts items 2 and 3) as long as its
 * own code leaves the projected fields alone: model/read-view.ts notes what it reads and writes of them, and the
 * explorer keeps those fields and explores again (`identityFallbacks`). Shown here: each kind of access raises
 * the guard for its field and no other; a fix that touches none keeps the whole projection and the verdicts of
 * the graph without it; a fix whose behaviour depends on a projected field loses states under the projection
 * without the guard, and with the guard its classes are the images of its concrete states; and no view ever
 * reaches a world.
 */
import { types } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, type Config } from '../model/config.ts';
import { edit, own } from '../model/cow.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { type AnyOverride } from '../model/overrides.ts';
import { withFix } from '../model/testkit.ts';
import type { VariantComponent } from '../model/variants.ts';
import type { World } from '../model/world.ts';
import { exhaustiveSet } from './exhaustive.ts';
import { explore } from './explore.ts';
import { worldFingerprint } from './fingerprint.ts';
import { bfsByKey } from './identity-bfs.ts';
import { defaultIdentity, makeIdentity, withoutGuarded, type IdentityGuard, type IdentityOptions, type Reads } from './identity.ts';

const cfg = (scenario: string, guest: string, qemu: string): Config => ({ ...DEFAULT_CONFIG, scenario, guest, qemu, xen: '4.12' });
/** Today's stack: QEMU with the latch and commit-on-mask (maskall read, committed and stale messages not), a guest that never reuses. */
const today = (scenario: string): Config => ({ scenario, guest: 'linux-6x', qemu: 'bind-unmasked', xen: '4.22', dom0: 'pvops-6x', toolstack: 'libxl-4.22' });


/** The options explore ends with after its fallbacks. */
const after = (o: IdentityOptions, fallbacks: readonly IdentityGuard[]) => fallbacks.reduce(withoutGuarded, o);

const readFields = (fb: readonly IdentityGuard[]) => fb.flatMap((g) => ('fields' in g ? g.fields : []));

/* eslint-disable @typescript-eslint/no-explicit-any */
describe('what a fix written as code touches of the projected fields', () => {
  const cases: [string, Config, VariantComponent, Record<string, AnyOverride>, (keyof Reads)[], RegExp][] = [
    [
      "QEMU's maskall, read by a QEMU fix before 2.6 (not read by the model there)",
      cfg('nvme-hvm', 'fresh-pirq', 'unmap-on-disable'),
      'qemu',
      { xen_pt_msixctrl_reg_write: (b, s: any, domid: number, dev: number, en: boolean, m: boolean) => (s.w.qemu[domid]?.devices[dev]?.msix.maskall === m ? b(s, domid, dev, en, m) : b(s, domid, dev, en, m)) },
      ['qemuMaskall'],
      /xen_pt_msixctrl_reg_write read maskall of a QEMU MSI-X capability/,
    ],
    [
      "a guest's pirq_to_irq, read by a guest fix whose base never reads it",
      cfg('nvme-hvm', 'fresh-pirq', 'unmap-on-disable'),
      'guest',
      { pci_enable_msix: (b, s: any, domid: number, dev: number, nvec: number) => (Object.keys(s.w.guests[domid]?.pirq_to_irq ?? {}).length > 99 ? -28 : b(s, domid, dev, nvec)) },
      ['pirqToIrq', 'pirqToIrqValues'],
      /pci_enable_msix read a guest's pirq_to_irq/,
    ],
    [
      'the committed message of a QEMU MSI-X entry, with the latch (not read while the entry has no pirq)',
      today('nvme-hvm'),
      'qemu',
      { xen_pt_msix_update_one: (b, s, domid, dev, d: any, k: number, ...rest: unknown[]) => (d.msix.msix_entry[k]?.committed === 1 ? 0 : b(s, domid, dev, d, k, ...rest)) },
      ['unassignedCommitted'],
      /xen_pt_msix_update_one read the committed message of a QEMU MSI-X entry/,
    ],
    [
      "an entry's message through QEMU's pci_msix_read, by a guest fix (today's guest does not use it)",
      today('nvme-hvm'),
      'guest',
      { pci_enable_msix: (b, s: any, domid: number, dev: number, nvec: number) => (s.fn.qemu.pci_msix_read(s, domid, dev, 0)?.data === -1 ? -28 : b(s, domid, dev, nvec)) },
      ['unassignedMessage'],
      /pci_enable_msix read a QEMU MSI-X entry's message through pci_msix_read/,
    ],
    [
      'a write into a QEMU MSI-X entry (the projection relies on who writes pirq, updated and the message)',
      today('nvme-hvm'),
      'qemu',
      {
        pci_msix_write: (b, s: any, domid: number, dev: number, k: number, m: unknown) => {
          b(s, domid, dev, k, m);
          const e = (edit as any)(s, 'qemu', domid, 'devices', dev, 'msix', 'msix_entry', k);
          e.updated = e.updated === true;
        },
      },
      ['unassignedCommitted', 'unassignedMessage'],
      /pci_msix_write wrote updated of a QEMU MSI-X entry/,
    ],
    [
      "a hardware vector's programmed xen_irq, read by a Xen fix",
      cfg('nvme-hvm', 'fresh-pirq', 'unmap-on-disable'),
      'xen',
      { PHYSDEVOP_get_free_pirq: (b, s: any, domid: number) => (s.w.hw[0]?.msix.entries[0]?.xen_irq === -5 ? -28 : b(s, domid)) },
      ['programmedXenIrq'],
      /PHYSDEVOP_get_free_pirq read a hardware vector's programmed xen_irq/,
    ],
    [
      "a write into Xen's irq descriptors (the projection relies on only map_domain_pirq giving one an msi_desc)",
      cfg('nvme-hvm', 'fresh-pirq', 'unmap-on-disable'),
      'xen',
      {
        create_irq: (b, s: any) => {
          const irq = b(s);
          if (irq > 0) own(s, edit(s, 'xen', 'irqs'), irq).guests = [];
          return irq;
        },
      },
      ['programmedXenIrq'],
      /create_irq wrote guests of Xen's irq descriptors/,
    ],
  ];
  for (const [what, c, component, overrides, fields, message] of cases) {
    it(`${what}: the guard keeps ${fields.join(' and ')}`, async () => {
      const r = withFix(c, component, overrides);
      const res = await explore(r, { depth: 14, maxStates: 200_000, invariants: [] });
      expect(readFields(res.identityFallbacks)).toEqual(fields);
      expect(res.identityFallbacks.find((g) => 'fields' in g)!.what).toMatch(message);
      expect(res.identityFallbacks.find((g) => 'fields' in g)!.what).toMatch(/^variant file 'mem\.ts' \(\w+ variant 't'\): /);
    });
  }

  it('a fix that touches none of them keeps the whole projection, and the verdicts of the graph without it (examples/guest-unmap-on-teardown.ts, nvme-msi-hvm keep-pirqs)', async () => {
    const fix = withFix(cfg('nvme-msi-hvm', 'fresh-pirq', 'keep-pirqs'), 'guest', {
      xen_teardown_msi_irqs: (b, s: any, k: any, d: any) => {
        for (const irq of Object.values(d.msi_list) as number[]) {
          const info = k.irqs[irq];
          if (info) s.fn.xen.PHYSDEVOP_unmap_pirq(s, k.domid, info.pirq);
        }
        b(s, k, d);
      },
    });
    const o = defaultIdentity(fix);
    const res = await explore(fix, { maxStates: 200_000, invariants: [] });
    expect(res.complete).toBe(true);
    expect(readFields(res.identityFallbacks)).toEqual([]);
    expect(res.identity).toContain('projected: no pirq_to_irq, programmed xen_irq');
    const budget = { depth: Infinity, maxStates: 200_000 };
    const projected = await exhaustiveSet(fix, INVARIANTS, budget, o);
    const kept = await exhaustiveSet(fix, INVARIANTS, budget, { ...o, project: false });
    expect(projected.complete && kept.complete).toBe(true);
    expect(projected.states).toBeLessThan(kept.states);
    expect(projected.violated.length).toBeGreaterThan(0);
    const v = (x: typeof projected) => ({ violated: x.violated.map((y) => `${y.invariant}:${y.steps}`).sort(), holds: [...x.holds].sort() });
    expect(v(projected)).toEqual(v(kept));
  });

  it('a fix whose behaviour depends on a projected field: without the guard the projection loses states; with it the classes are the images of the concrete states', async () => {
    // A guest that refuses a third MSI-X enable once it remembers three pirqs: pirq_to_irq decides, and
    // hostile-hvm's fresh-pirq guest has histories that differ only there.
    const r = withFix(cfg('hostile-hvm', 'fresh-pirq', 'unmap-on-disable'), 'guest', {
      pci_enable_msix: (b, s: any, domid: number, dev: number, nvec: number) => (Object.keys(s.w.guests[domid]?.pirq_to_irq ?? {}).length >= 3 ? -28 : b(s, domid, dev, nvec)),
    });
    const depth = 14;
    const o = defaultIdentity(r);
    const conc = bfsByKey(r, depth, worldFingerprint);
    const images = (x: IdentityOptions) => new Set(conc.worlds.map(makeIdentity(x).key)).size;
    // The projection applied blindly (no guard): fewer classes than the concrete states have images.
    const blind = bfsByKey(r, depth, makeIdentity(o).key, 2_000_000, false);
    expect(blind.count).toBeLessThan(images(o));
    // explore: the guard keeps pirq_to_irq, and the classes within the depth are the images.
    const res = await explore(r, { depth, maxStates: 2_000_000, invariants: [] });
    expect(readFields(res.identityFallbacks)).toEqual(['pirqToIrq', 'pirqToIrqValues']);
    expect(res.stats.distinctStates).toBe(images(after(o, res.identityFallbacks)));
    expect(res.summary).toContain("fields the configuration does not read left out but pirq_to_irq, which the variant's own code reads");
  });

  it('the guard is an event of the search order: the same fallbacks, classes and transitions with 1 and 2 threads (a variant file)', async () => {
    const { loadVariantFile } = await import('../api/load.ts');
    const file = new URL('../cli/testdata/fn/reads-pirq-to-irq.ts', import.meta.url).pathname;
    await loadVariantFile(file);
    const r = resolveConfig({ ...cfg('hostile-hvm', 'g-reads-p2i', 'unmap-on-disable') });
    const inv = INVARIANTS.filter((i) => i.name === 'no-domain-crash');
    const one = await explore(r, { depth: 12, maxStates: 200_000, invariants: inv });
    const two = await explore(r, { depth: 12, maxStates: 200_000, invariants: inv, workers: 2, parallelFrom: 0, variantFiles: [file] });
    expect(readFields(one.identityFallbacks)).toEqual(['pirqToIrq', 'pirqToIrqValues']);
    expect(two.identityFallbacks).toEqual(one.identityFallbacks);
    expect(two.stats.levels).toEqual(one.stats.levels);
    expect(two.stats.transitions).toBe(one.stats.transitions);
    expect(two.identity).toBe(one.identity);
  }, 60_000);

  it('no view reaches a world: values an override stores, and what it returns, are the world objects', () => {
    const r = withFix(cfg('nvme-hvm', 'fresh-pirq', 'unmap-on-disable'), 'guest', {
      xen_bind_pirq_msi_to_irq: (b, s: any, k: any, ...rest: unknown[]) => {
        const irq = b(s, k, ...rest) as number;
        const irqs = own(s, k, 'irqs') as any;
        // A copy of a view holds views as values; the view of a record as a value: both stored unwrapped.
        irqs[irq] = { ...irqs[irq], note: { same: k.irqs[irq] } };
        return irq;
      },
    });
    const all = bfsByKey(r, 8, worldFingerprint).worlds;
    let objects = 0;
    const check = (x: unknown): void => {
      if (typeof x !== 'object' || x === null) return;
      expect(types.isProxy(x)).toBe(false);
      objects++;
      for (const v of Object.values(x)) check(v);
    };
    for (const w of all) check(w as World);
    expect(objects).toBeGreaterThan(all.length * 10);
    expect(all.some((w) => Object.values(w.guests[1]?.irqs ?? {}).some((i) => (i as any).note))).toBe(true);
  });
});
