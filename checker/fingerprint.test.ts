import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, type Config } from '../model/config.ts';
import { enabledActions, initialWorld } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import type { World } from '../model/world.ts';
import { stateEncoding } from './explore-core.ts';
import { successorFingerprint, worldFingerprint } from './fingerprint.ts';
import { matrixEntries } from './matrix.ts';

const cfg = (c: Partial<Config>): Config => ({ ...DEFAULT_CONFIG, ...c });

/**
 * Breadth-first over the reachable states (by JSON encoding, the explorer's exact state identity) up to
 * `depth` or `cap` states, checking at every transition that the fingerprint is a function of the encoding
 * and that no two encodings share one.
 */
function checkGraph(c: Config, depth: number, cap: number): { states: number; transitions: number } {
  const r = resolveConfig(c);
  const byEnc = new Map<string, string>();
  const byFp = new Map<string, string>();
  const visit = (w: World, parent?: World): boolean => {
    const e = stateEncoding(w);
    const f = parent ? successorFingerprint(parent, w) : worldFingerprint(w);
    const known = byEnc.get(e);
    if (known !== undefined) {
      expect(f).toBe(known);
      return false;
    }
    const other = byFp.get(f);
    if (other !== undefined) expect.fail(`two states share fingerprint: ${other} / ${e}`);
    byEnc.set(e, f);
    byFp.set(f, e);
    return true;
  };
  let frontier = [initialWorld(r.scenario)];
  visit(frontier[0]!);
  let transitions = 0;
  for (let d = 0; d < depth && frontier.length && byEnc.size < cap; d++) {
    const next: World[] = [];
    for (const w of frontier) {
      for (const a of enabledActions(w, r.scenario)) {
        const n = apply(w, a, r).world;
        transitions++;
        if (visit(n, w)) next.push(n);
      }
    }
    frontier = next;
  }
  return { states: byEnc.size, transitions };
}

describe('worldFingerprint', () => {
  it('is injective on the complete igbvf-pv and reboot-hvm graphs and on an nvme-hvm prefix', () => {
    const a = checkGraph(cfg({ scenario: 'igbvf-pv', dom0: 'xen-2.6.18', xen: 'xen-3.4' }), 100, 1e9);
    const b = checkGraph(cfg({ scenario: 'reboot-hvm', dom0: 'pvops' }), 100, 1e9);
    const c = checkGraph(cfg({ scenario: 'nvme-hvm', guest: 'reuse-pirq', qemu: 'keep-pirqs' }), 30, 4000);
    expect(a.states).toBeGreaterThan(50);
    expect(b.states).toBeGreaterThan(500);
    expect(c.states).toBeGreaterThanOrEqual(4000);
  });

  it('computed from the parent equals the value computed from scratch, at every step of random walks of every matrix configuration', () => {
    let seed = 5;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let steps = 0;
    for (const { config } of matrixEntries()) {
      const r = resolveConfig(config);
      for (let walk = 0; walk < 20; walk++) {
        let w = initialWorld(r.scenario);
        for (let i = 0; i < 40; i++) {
          const en = enabledActions(w, r.scenario);
          if (!en.length) break;
          const n = apply(w, en[Math.floor(rnd() * en.length)]!, r).world;
          const inc = successorFingerprint(w, n);
          const scratch = worldFingerprint(JSON.parse(JSON.stringify(n)) as World);
          if (inc !== scratch) expect.fail(`${JSON.stringify(config)} step ${i}: incremental and from-scratch fingerprints differ`);
          steps++;
          w = n;
        }
      }
    }
    expect(steps).toBeGreaterThan(10_000);
  });

  it('depends only on the JSON data, not on object identity or the last step\'s audit', () => {
    const r = resolveConfig(cfg({ scenario: 'nvme-hvm' }));
    let w = initialWorld(r.scenario);
    for (let i = 0; i < 6; i++) w = apply(w, enabledActions(w, r.scenario)[0]!, r).world;
    const copy = JSON.parse(JSON.stringify(w)) as World;
    expect(worldFingerprint(copy)).toBe(worldFingerprint(w));
    const withAudit = { ...w, audit: [{ kind: 'guest_reuse', domid: 1, dev: 0, entry: 0, pirq: 55 }] } as World;
    expect(worldFingerprint(withAudit)).toBe(worldFingerprint(w));
    expect(worldFingerprint(w)).toHaveLength(16);
  });

  it('tells apart values JSON tells apart: one field, a number against a string, key order', () => {
    const base = { hw: {}, xen: { a: 1, b: 'x' }, audit: [] } as unknown as World;
    const fp = worldFingerprint(base);
    expect(worldFingerprint({ hw: {}, xen: { a: 2, b: 'x' }, audit: [] } as unknown as World)).not.toBe(fp);
    expect(worldFingerprint({ hw: {}, xen: { a: '1', b: 'x' }, audit: [] } as unknown as World)).not.toBe(fp);
    expect(worldFingerprint({ hw: {}, xen: { b: 'x', a: 1 }, audit: [] } as unknown as World)).not.toBe(fp);
    expect(worldFingerprint({ hw: [], xen: { a: 1, b: 'x' }, audit: [] } as unknown as World)).not.toBe(fp);
    expect(worldFingerprint({ hw: {}, xen: { a: 1.5, b: 'x' }, audit: [] } as unknown as World)).not.toBe(
      worldFingerprint({ hw: {}, xen: { a: 1, b: 'x' }, audit: [] } as unknown as World),
    );
    expect(worldFingerprint({ hw: {}, xen: { a: 1, b: 'x' }, audit: [] } as unknown as World)).toBe(fp);
  });
});
