/**
 * Every built-in proposal re-written as code (examples/code/*.ts: functions replaced or wrapped, no flag
 * changed from the release it patches) behaves as the built-in variant that reaches it through flags:
 *   - step for step: random walks (seeded) from every scenario that uses the component, under the matrix's
 *     configurations with the built-in variant and the defaults, give the same world and the same calls at
 *     every step; the walks are not vacuous: the base release differs from the built-in variant on them;
 *   - the same verdict on every invariant: the matrix's exclusion loop (seeded search) finds the same
 *     violated invariants with the same shrunk counterexamples, and the rest hold;
 *   - the same exploration where the graph is small: breadth-first search to a bound gives the same verdict,
 *     state count and shortest counterexample;
 *   - the corpus: every committed trace recorded under the built-in variant replays under the code one with
 *     the same steps, calls and violation.
 * A built-in release variant can carry more than the one commit its example re-writes (Xen 4.13 is 575e18d54d
 * and quarantine by default): the case then names `equivalent`, the flags of that one commit on the example's
 * base, and the example is compared with that flag-equivalent variant, in the configurations and on the corpus
 * traces of the built-in release.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, resolveConfig, type Config } from '../model/config.ts';
import { findVariant, registerVariant, type Flags, type VariantComponent } from '../model/variants.ts';
import { SCENARIOS, enabledActions, initialWorld } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import { encodeWorld } from '../model/world.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { validateVariantSpec, type LoadedVariant } from '../api/load.ts';
import { matrixEntries, violatedSet } from '../checker/matrix.ts';
import { explore } from '../checker/explore.ts';
import { defaultIdentity } from '../checker/identity.ts';
import { loadTraceFile, type Trace } from '../checker/trace.ts';
import { replay, replayConfig } from '../checker/replay.ts';
import { corpusTraceFiles } from '../counterexamples/corpus.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Case {
  readonly file: string;
  readonly component: VariantComponent;
  /** The built-in variant whose configurations and corpus traces the case runs. */
  readonly builtin: string;
  /** The flags the example's commit sets on its base, when `builtin` also changes more than that commit. */
  readonly equivalent?: { readonly id: string; readonly commit: string; readonly flags: Partial<Flags> };
}

const CASES: readonly Case[] = [
  // Xen 4.13 is 575e18d54d (xenResetMsixOnAssign) and 319f9a0ba9/ba2ab00bbb (xenQuarantine 'basic') on 4.12;
  // the example re-writes 575e18d54d alone.
  {
    file: 'examples/code/xen-reset-msix-on-assign.ts',
    component: 'xen',
    builtin: '4.13',
    equivalent: { id: '4.12+575e18d54d', commit: '575e18d54d', flags: { xenResetMsixOnAssign: true } },
  },
  { file: 'examples/code/pciback-prune-on-reset.ts', component: 'dom0', builtin: 'xen-2.6.18-prune' },
  { file: 'examples/code/pcistub-msix-reset.ts', component: 'dom0', builtin: 'pvops-msix-reset' },
  { file: 'examples/code/chao-v6.ts', component: 'xen', builtin: 'chao-v6' },
  { file: 'examples/code/chao-v6-esrch.ts', component: 'xen', builtin: 'chao-v6-esrch' },
  { file: 'examples/code/unbind-before-reset.ts', component: 'toolstack', builtin: 'unbind-before-reset' },
  { file: 'examples/code/fresh-pirq.ts', component: 'guest', builtin: 'fresh-pirq' },
];

const loaded = new Map<string, LoadedVariant>();

beforeAll(async () => {
  for (const c of CASES) {
    const mod = (await import(join(root, c.file))) as { default: unknown };
    const v = validateVariantSpec(mod.default, c.file, 'test');
    registerVariant(v);
    if (c.equivalent) {
      // The example's commit as flags on the example's base: a built-in-style (flags only) variant.
      const e = c.equivalent;
      const spec = { id: e.id, component: c.component, title: `${e.commit} alone on ${v.base}`, upstream: e.commit, versions: 'the flag-equivalent of the example', base: v.base, flags: e.flags };
      registerVariant(validateVariantSpec(spec, `${c.file} (flag-equivalent)`, 'test'));
    }
    loaded.set(c.file, v);
  }
});

/** The configurations a case is compared in: the matrix's rows with the built-in variant, and the defaults of every scenario that uses the component. */
function configsOf(c: (typeof CASES)[number]): Config[] {
  const out = new Map<string, Config>();
  for (const e of matrixEntries()) if (e.config[c.component] === c.builtin) out.set(JSON.stringify(e.config), e.config);
  for (const s of SCENARIOS) {
    if (!s.components.includes(c.component)) continue;
    const cfg = { ...DEFAULT_CONFIG, scenario: s.id, [c.component]: c.builtin };
    out.set(JSON.stringify(cfg), cfg);
  }
  return [...out.values()];
}

/** A small deterministic generator (mulberry32) for the walks. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WALKS = 12;
const LENGTH = 40;

describe.each(CASES)('$file re-writes $component variant $builtin as code', (c) => {
  const v = () => loaded.get(c.file)!;
  const swap = (cfg: Config, id: string): Config => ({ ...cfg, [c.component]: id });
  /** The variant the example is compared with: the built-in one, or the flag-equivalent of its one commit. */
  const ref = c.equivalent?.id ?? c.builtin;
  /** The configuration `cfg` (one of the built-in variant's) with the reference variant. */
  const refOf = (cfg: Config): Config => swap(cfg, ref);

  it('changes no flag of the release it patches, only functions', () => {
    const base = findVariant(c.component, v().base)!;
    expect(v().flags).toEqual(base.flags);
    expect(v().overridden.length).toBeGreaterThan(0);
    expect(findVariant(c.component, ref)!.flags).not.toEqual(base.flags);
  });

  if (c.equivalent) it('is compared with its commit alone: the base plus flags the built-in release sets too', () => {
    const base = findVariant(c.component, v().base)!;
    const builtin = findVariant(c.component, c.builtin)!;
    const eq = findVariant(c.component, ref)!;
    expect(eq.flags).toEqual({ ...base.flags, ...c.equivalent!.flags });
    for (const [k, val] of Object.entries(c.equivalent!.flags)) expect(builtin.flags[k as keyof Flags], k).toEqual(val);
    // The release carries more than the commit (else the case would compare with it directly).
    expect(builtin.flags).not.toEqual(eq.flags);
  });

  it('gives the same world and calls as the built-in variant at every step of seeded random walks', () => {
    let differsFromBase = 0;
    for (const cfg of configsOf(c)) {
      const rb = resolveConfig(refOf(cfg));
      const rc = resolveConfig(swap(cfg, v().id));
      const r0 = resolveConfig(swap(cfg, v().base));
      for (let walk = 0; walk < WALKS; walk++) {
        const next = rng(walk + 1);
        let w = initialWorld(rb.scenario);
        let w0 = w;
        let baseSame = true;
        for (let n = 0; n < LENGTH; n++) {
          const acts = enabledActions(w, rb.scenario);
          if (acts.length === 0) break;
          const a = acts[Math.floor(next() * acts.length)]!;
          const b = apply(w, a, rb);
          const x = apply(w, a, rc);
          expect(encodeWorld(x.world), `${JSON.stringify(cfg)} walk ${walk} step ${n + 1} ${a.kind}`).toBe(encodeWorld(b.world));
          expect(JSON.stringify(x.calls)).toBe(JSON.stringify(b.calls));
          if (baseSame) {
            const y = enabledActions(w0, r0.scenario).some((e) => JSON.stringify(e) === JSON.stringify(a)) ? apply(w0, a, r0) : null;
            if (!y || encodeWorld(y.world) !== encodeWorld(b.world)) baseSame = false;
            else w0 = y.world;
          }
          w = b.world;
        }
        if (!baseSame) differsFromBase++;
      }
    }
    // The walks reach what the patch changes: the release it patches behaves differently on some of them.
    expect(differsFromBase).toBeGreaterThan(0);
  });

  it('gives the same verdict on every invariant with the same shrunk counterexamples (seeded search)', () => {
    const p = { seed: 1, runs: 40, maxSteps: 40 };
    for (const cfg of configsOf(c)) {
      const b = violatedSet(refOf(cfg), INVARIANTS, p);
      const x = violatedSet(swap(cfg, v().id), INVARIANTS, p);
      expect(x.holds, JSON.stringify(cfg)).toEqual(b.holds);
      expect([...x.violated.keys()]).toEqual([...b.violated.keys()]);
      for (const [inv, res] of b.violated) expect(x.violated.get(inv)!.actions, `${inv} in ${JSON.stringify(cfg)}`).toEqual(res.actions);
    }
  });

  it('gives the same bounded exploration', async () => {
    let explored = 0;
    for (const cfg of configsOf(c)) {
      // The same identity for both: a configuration with functions of its own gets no projection by default
      // (checker/identity.ts defaultIdentity), since its code may read any field.
      const xr = resolveConfig(swap(cfg, v().id));
      const o = { depth: 10, maxStates: 1500, invariants: INVARIANTS, identity: defaultIdentity(xr) };
      const b = await explore(resolveConfig(refOf(cfg)), o);
      const x = await explore(xr, o);
      expect(x.verdict, JSON.stringify(cfg)).toBe(b.verdict);
      expect(x.stats.distinctStates).toBe(b.stats.distinctStates);
      expect(x.stats.levels).toEqual(b.stats.levels);
      explored += b.stats.distinctStates;
      expect(x.actions).toEqual(b.actions);
    }
    expect(explored).toBeGreaterThan(configsOf(c).length);
  });

  it('replays every corpus trace recorded under the built-in variant with the same steps and violation', () => {
    const dir = join(root, 'counterexamples');
    const traces: Trace[] = corpusTraceFiles(dir)
      .map((f) => loadTraceFile(join(dir, f)))
      .filter((t) => (t.config as unknown as Record<string, string>)[c.component] === c.builtin);
    for (const t of traces) {
      const b = replay(t, replayConfig(t, { [c.component]: ref }));
      const x = replay(t, replayConfig(t, { [c.component]: v().id }));
      expect(x.refused).toEqual(b.refused);
      expect(x.recordedViolatedAt).toBe(b.recordedViolatedAt);
      // The trace still shows the violation it was recorded with (under the flag-equivalent too).
      expect(x.recordedViolatedAt).toBe(t.violation.step);
      expect(JSON.stringify(x.steps)).toBe(JSON.stringify(b.steps));
      expect(encodeWorld(x.after)).toBe(encodeWorld(b.after));
    }
  });
});
