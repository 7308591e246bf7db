/**
 * Path copying (model/cow.ts) against the whole-copy reference step: on random walks through every scenario
 * under a spread of variant configurations, `apply` and `applyByCopy` give the same world and the same calls
 * at every step, and the parent world is unchanged by the step; unchanged subtrees are shared; a world a
 * step returned cannot be written in place.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, type Config } from './config.ts';
import { SCENARIOS, enabledActions, initialWorld } from './scenarios.ts';
import { apply, applyByCopy, FREEZE } from './step.ts';
import type { World } from './world.ts';
import { matrixEntries } from '../checker/matrix.ts';

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Variants = Omit<Config, 'scenario'>;

/** Every variant combination of the matrix, plus two that mix the fixes of different seeds and one with libxl-4.12-async-del. */
function variantSpread(): Variants[] {
  const seen = new Map<string, Variants>();
  const add = (v: Variants) => seen.set(JSON.stringify(v), v);
  for (const e of matrixEntries()) {
    const { scenario: _s, ...v } = e.config;
    add(v);
  }
  add({ guest: 'reuse-pirq', qemu: 'keep-pirqs', xen: 'chao-v6', dom0: 'xen-2.6.18-prune', toolstack: 'unbind-before-reset' });
  add({ guest: 'reuse-pirq-live', qemu: 'unmap-on-disable', xen: '4.13', dom0: 'pvops-msix-reset', toolstack: 'unbind-before-reset' });
  // libxl 4.12's hot-unplug race (not a matrix row): the pending eject and libxl's removal as separate steps.
  add({ guest: 'fresh-pirq', qemu: 'unmap-on-disable', xen: '4.12', dom0: 'pvops', toolstack: 'libxl-4.12-async-del' });
  return [...seen.values()];
}

/** Lifecycle scenarios get more walks: each walk ends once its boots are used up. */
const walksOf = (lifecycle: boolean) => (lifecycle ? 4 : 2);
const STEPS = 60;

describe('path copying matches the whole-copy step', () => {
  const spread = variantSpread();
  for (const sc of SCENARIOS) {
    const WALKS = walksOf(sc.lifecycle !== undefined);
    it(`${sc.id}: ${spread.length} configurations x ${WALKS} walks x ${STEPS} steps`, () => {
      let steps = 0;
      let seed = 1;
      for (const v of spread) {
        const r = resolveConfig({ ...DEFAULT_CONFIG, ...v, scenario: sc.id });
        for (let walk = 0; walk < WALKS; walk++) {
          const rnd = prng(seed++);
          let w: World = initialWorld(r.scenario);
          for (let i = 0; i < STEPS; i++) {
            const en = enabledActions(w, r.scenario);
            if (en.length === 0) break;
            const a = en[Math.floor(rnd() * en.length)]!;
            const before = JSON.stringify(w);
            const cow = apply(w, a, r);
            const ref = applyByCopy(w, a, r);
            const where = `${sc.id} ${JSON.stringify(v)} walk ${walk} step ${i} ${JSON.stringify(a)}`;
            if (JSON.stringify(cow.world) !== JSON.stringify(ref.world)) expect(cow.world, where).toEqual(ref.world);
            if (JSON.stringify(cow.calls) !== JSON.stringify(ref.calls)) expect(cow.calls, where).toEqual(ref.calls);
            if (JSON.stringify(w) !== before) expect(JSON.parse(JSON.stringify(w)), `${where}: parent changed`).toEqual(JSON.parse(before));
            w = cow.world;
            steps++;
          }
        }
      }
      // Every walk ran (a scenario with no enabled action at the start would compare nothing).
      expect(steps).toBeGreaterThan(spread.length * WALKS * 10);
    });
  }
});

describe('sharing', () => {
  const r = resolveConfig({ ...DEFAULT_CONFIG, scenario: 'nvme-hvm' });
  const w0 = initialWorld(r.scenario);
  const probe = enabledActions(w0, r.scenario).find((a) => a.kind === 'guest.pci_enable_msix' && a.dev === 0);

  it('a guest action on device 0 copies only the paths it writes', () => {
    expect(probe).toBeDefined();
    const next = apply(w0, probe!, r).world;
    // Written: device 0's hardware entries, guest and QEMU state, Xen's tables for the domain.
    expect(next.hw[0]).not.toBe(w0.hw[0]);
    expect(next.guests[1]!.devices[0]).not.toBe(w0.guests[1]!.devices[0]);
    // Not written: everything of device 1, dom0, the toolstack.
    expect(next.hw[1]).toBe(w0.hw[1]);
    expect(next.xen.pdevs[1]).toBe(w0.xen.pdevs[1]);
    expect(next.qemu[1]!.devices[1]).toBe(w0.qemu[1]!.devices[1]);
    expect(next.guests[1]!.devices[1]).toBe(w0.guests[1]!.devices[1]);
    expect(next.dom0).toBe(w0.dom0);
    expect(next.toolstack).toBe(w0.toolstack);
    expect(next.pv).toBe(w0.pv);
  });

  it('the whole-copy reference shares nothing', () => {
    const next = applyByCopy(w0, probe!, r).world;
    expect(next.hw[1]).not.toBe(w0.hw[1]);
    expect(next.hw[1]).toEqual(w0.hw[1]);
  });

  it('the test suite runs with freezing on', () => {
    expect(FREEZE).toBe(true);
  });

  it.runIf(FREEZE)('a world a step returned cannot be written in place', () => {
    const next = apply(w0, probe!, r).world;
    expect(Object.isFrozen(next)).toBe(true);
    expect(Object.isFrozen(next.hw[1])).toBe(true);
    expect(Object.isFrozen(next.guests[1]!.devices[0]!.msi_list)).toBe(true);
    expect(() => {
      (next.hw[0]!.command as { memory: boolean }).memory = false;
    }).toThrow(TypeError);
    expect(() => {
      (next.xen.domains as Record<number, unknown>)[7] = {};
    }).toThrow(TypeError);
  });
});
