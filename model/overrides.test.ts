/**
 * The write check of model/overrides.ts against the model itself: run as if every built-in function were an
 * override of its own component, every scenario's seeded random walks write only the slices SLICES gives
 * that component. And the check does refuse: a function writing another component's slice, or into an
 * object the step does not own, is stopped with the function named.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig } from './config.ts';
import { matrixEntries } from '../checker/matrix.ts';
import { SCENARIOS, enabledActions, initialWorld } from './scenarios.ts';
import { apply } from './step.ts';
import { checkedBuiltins, resolveFunctions, SLICES, type FunctionLayer } from './overrides.ts';
import { edit, own } from './cow.ts';
import type { Resolved } from './config.ts';
import type { Sys } from './context.ts';

function walk(r: Resolved, seed: number, steps: number): number {
  let a = seed;
  const next = () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 4294967296);
  let w = initialWorld(r.scenario);
  let n = 0;
  for (; n < steps; n++) {
    const acts = enabledActions(w, r.scenario);
    if (!acts.length) break;
    w = apply(w, acts[Math.floor(next() * acts.length)]!, r).world;
  }
  return n;
}

describe('SLICES is what the built-in code writes', () => {
  const fns = checkedBuiltins();
  const configs = [...SCENARIOS.map((s) => ({ ...DEFAULT_CONFIG, scenario: s.id })), ...matrixEntries().map((e) => e.config)];
  it.each(configs.map((c) => [`${c.scenario} ${c.guest} ${c.qemu} ${c.xen} ${c.dom0} ${c.toolstack}`, c] as const))('%s: 8 walks of 60 steps, no foreign write', (_n, c) => {
    const r = { ...resolveConfig(c), fns };
    let steps = 0;
    for (let seed = 1; seed <= 8; seed++) steps += walk(r, seed, 60);
    expect(steps).toBeGreaterThan(0);
  });
});

describe('the check refuses', () => {
  const r0 = resolveConfig(DEFAULT_CONFIG);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const layer = (overrides: Record<string, (b: (...a: any[]) => any, s: Sys, ...a: any[]) => unknown>): FunctionLayer => ({ index: 900, component: 'xen', variant: 'test', file: 'mem.ts', overrides });
  const run = (fns: ReturnType<typeof resolveFunctions>) => walk({ ...r0, fns, user: { layers: [], verifyLeft: 0 } }, 1, 20);

  it('a write into another component slice, naming the function and the slice', () => {
    const fns = resolveFunctions([layer({ PHYSDEVOP_get_free_pirq: (b, s, ...a) => { if (s.w.guests[1]) edit(s, 'guests', 1).pirq_to_irq = {}; return b(s, ...a); } })]);
    expect(() => run(fns)).toThrow(/variant file 'mem\.ts' \(xen variant 'test'\): PHYSDEVOP_get_free_pirq wrote world\.guests, which is not the xen component's state \(a xen variant writes xen, hw, audit/);
  });
  it('making an object writable under one the step does not own', () => {
    const fns = resolveFunctions([layer({ PHYSDEVOP_get_free_pirq: (b, s, ...a) => { own(s, s.w.xen, 'domains'); return b(s, ...a); } })]);
    expect(() => run(fns)).toThrow(/PHYSDEVOP_get_free_pirq wrote into an object the step does not own/);
  });
  it('its own slices it may write', () => {
    const fns = resolveFunctions([layer({ PHYSDEVOP_get_free_pirq: (b, s, ...a) => { edit(s, 'xen').nr_irqs = s.w.xen.nr_irqs; return b(s, ...a); } })]);
    expect(run(fns)).toBeGreaterThan(0);
    expect(SLICES.xen).toContain('xen');
  });
});
