/**
 * npm run bench: time to the first counterexample for a plain fast-check model-based baseline, pirqcheck's
 * random search and pirqcheck explore on every violated configuration of the matrix; shrunk lengths against
 * explore's shortest; explore throughput with 1 and 2 workers; explorer overhead against a bare loop.
 * Prints a table and writes bench/results.json. Not part of npm test (docs/performance.md).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import fc from 'fast-check';
import { ACTION_KINDS, type Action } from '../model/actions.ts';
import { CONFIG_COMPONENTS, configLabel, resolveConfig, type Config, type Resolved } from '../model/config.ts';
import { INVARIANTS, violations } from '../model/invariants.ts';
import { SCENARIOS, enabledActions, initialWorld } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import { variantsOf } from '../model/variants.ts';
import type { World } from '../model/world.ts';
import { explore } from '../checker/explore.ts';
import { search } from '../checker/search.ts';

const SEEDS = [1, 2, 3, 4, 5];
const RUNS = 300;
const MAX_STEPS = 40;
const BASELINE_RUNS = 2000;
const EXPLORE_DEPTH = 30;
const EXPLORE_MAX_STATES = 20_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const spread = (xs: number[]) => ({ min: Math.min(...xs), max: Math.max(...xs) });

function allConfigs(): Config[] {
  let out: Record<string, string>[] = SCENARIOS.map((s) => ({ scenario: s.id }));
  for (const c of CONFIG_COMPONENTS) out = out.flatMap((cfg) => variantsOf(c).map((v) => ({ ...cfg, [c]: v.id })));
  return out as unknown as Config[];
}

// (a) Plain fast-check model-based testing: one command class per action kind, uniform choice, check = the
// kind is enabled in the model state, concrete arguments picked from the enabled actions of that kind.
interface M {
  w: World;
  steps: number;
}
class Violated extends Error {}
function baselineCommands(r: Resolved) {
  return ACTION_KINDS.map((kind) =>
    fc.nat({ max: 0xffff }).map(
      (pick) =>
        new (class implements fc.Command<M, object> {
          check(m: Readonly<M>) {
            return enabledActions(m.w, r.scenario).some((a) => a.kind === kind);
          }
          run(m: M) {
            const en = enabledActions(m.w, r.scenario).filter((a) => a.kind === kind);
            const a: Action = en[pick % en.length]!;
            m.w = apply(m.w, a, r).world;
            m.steps++;
            if (violations(m.w, INVARIANTS).length) throw new Violated(kind);
          }
          toString() {
            return `${kind}#${pick}`;
          }
        })(),
    ),
  );
}
function baseline(r: Resolved, seed: number): { firstMs: number | null; shrunk: number | null } {
  const t0 = performance.now();
  let first: number | null = null;
  const cmds = baselineCommands(r);
  let lastSteps = 0;
  const prop = fc.property(fc.commands(cmds, { maxCommands: MAX_STEPS }), (cs) => {
    const m: M = { w: initialWorld(r.scenario), steps: 0 };
    try {
      fc.modelRun(() => ({ model: m, real: {} }), cs);
    } catch (e) {
      if (e instanceof Violated) {
        first ??= performance.now() - t0;
        lastSteps = m.steps;
        return false;
      }
      throw e;
    }
    return true;
  });
  const d = fc.check(prop, { seed, numRuns: BASELINE_RUNS });
  if (!d.failed) return { firstMs: null, shrunk: null };
  // Replay the shrunk counterexample to count the steps it executes.
  const m: M = { w: initialWorld(r.scenario), steps: 0 };
  try {
    fc.modelRun(() => ({ model: m, real: {} }), d.counterexample![0]);
  } catch {
    lastSteps = m.steps;
  }
  return { firstMs: first, shrunk: lastSteps };
}

function ours(r: Resolved, seed: number, swarm: boolean): { firstMs: number | null; shrunk: number | null } {
  const t0 = performance.now();
  let first: number | null = null;
  const res = search(r, { seed, runs: RUNS, maxSteps: MAX_STEPS, invariants: INVARIANTS, swarm, onFirstFailure: () => (first = performance.now() - t0) });
  return { firstMs: first, shrunk: res.actions?.length ?? null };
}

/** A bare BFS: step and encode, a Set of raw encodings, no invariants, no fingerprints. */
function bareLoop(r: Resolved, depth: number): { states: number; ms: number } {
  const t0 = performance.now();
  const seen = new Set<string>();
  let frontier: World[] = [initialWorld(r.scenario)];
  seen.add(JSON.stringify(frontier[0]));
  for (let d = 0; d < depth && frontier.length; d++) {
    const next: World[] = [];
    for (const w of frontier)
      for (const a of enabledActions(w, r.scenario)) {
        const x = apply(w, a, r).world;
        const e = JSON.stringify(x);
        if (!seen.has(e)) {
          seen.add(e);
          next.push(x);
        }
      }
    frontier = next;
  }
  return { states: seen.size, ms: performance.now() - t0 };
}

const fmt = (x: number | null) => (x === null ? '-' : x < 10 ? x.toFixed(1) : x.toFixed(0));

async function main(): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  console.log('config | baseline first ms med [min-max] found/5 shrunk | search first ms | swarm first ms | explore ms | lengths fc/search/swarm/explore');
  for (const c of allConfigs()) {
    const r = resolveConfig(c);
    const ex0 = await explore(r, { depth: EXPLORE_DEPTH, maxStates: EXPLORE_MAX_STATES, invariants: INVARIANTS });
    const probe = search(r, { seed: 42, runs: RUNS, maxSteps: MAX_STEPS, invariants: INVARIANTS });
    if (ex0.verdict !== 'violated' && probe.verdict !== 'violated') continue;
    const a = SEEDS.map((s) => baseline(r, s));
    const b = SEEDS.map((s) => ours(r, s, false));
    const sw = SEEDS.map((s) => ours(r, s, true));
    const e: number[] = [];
    for (let i = 0; i < SEEDS.length; i++) e.push((await explore(r, { depth: EXPLORE_DEPTH, maxStates: EXPLORE_MAX_STATES, invariants: INVARIANTS })).stats.elapsedMs);
    const sum = (xs: { firstMs: number | null; shrunk: number | null }[]) => {
      const f = xs.map((x) => x.firstMs).filter((x): x is number => x !== null);
      const l = xs.map((x) => x.shrunk).filter((x): x is number => x !== null);
      return { found: f.length, firstMsMedian: f.length ? median(f) : null, firstMsSpread: f.length ? spread(f) : null, shrunkMedian: l.length ? median(l) : null, shrunkMax: l.length ? Math.max(...l) : null };
    };
    const row = {
      config: c,
      exploreVerdict: ex0.verdict,
      exploreShortest: ex0.actions?.length ?? null,
      exploreStates: ex0.stats.distinctStates,
      exploreMs: { median: median(e), ...spread(e) },
      baseline: sum(a),
      search: sum(b),
      swarm: sum(sw),
    };
    rows.push(row);
    console.log(
      `${configLabel(c)} | ${fmt(row.baseline.firstMsMedian)} [${fmt(row.baseline.firstMsSpread?.min ?? null)}-${fmt(row.baseline.firstMsSpread?.max ?? null)}] ${row.baseline.found}/5 | ` +
        `${fmt(row.search.firstMsMedian)} [${fmt(row.search.firstMsSpread?.min ?? null)}-${fmt(row.search.firstMsSpread?.max ?? null)}] ${row.search.found}/5 | ` +
        `${fmt(row.swarm.firstMsMedian)} ${row.swarm.found}/5 | ${fmt(row.exploreMs.median)} [${fmt(row.exploreMs.min)}-${fmt(row.exploreMs.max)}] | ` +
        `${row.baseline.shrunkMax ?? '-'}/${row.search.shrunkMax ?? '-'}/${row.swarm.shrunkMax ?? '-'}/${row.exploreShortest ?? '-'}`,
    );
  }

  // Throughput: the largest configuration explored to a certificate (most states within the depth).
  const big = { config: { scenario: 'nvme-hvm', guest: 'reuse-pirq', qemu: 'keep-pirqs', xen: '4.12' } as Config, depth: 15 };
  const rb = resolveConfig(big.config);
  const through: Record<string, unknown>[] = [];
  for (const workers of [1, 2]) {
    const res = await explore(rb, { depth: big.depth, maxStates: 1_000_000, invariants: INVARIANTS, workers });
    through.push({ workers, verdict: res.verdict, states: res.stats.distinctStates, transitions: res.stats.transitions, ms: res.stats.elapsedMs, statesPerSecond: res.stats.statesPerSecond, rssBytes: res.stats.memory.rssBytes });
    console.log(`explore ${configLabel(big.config)} depth ${big.depth} workers ${workers}: ${res.stats.distinctStates} states, ${res.stats.transitions} transitions, ${res.stats.elapsedMs.toFixed(0)} ms, ${res.stats.statesPerSecond.toFixed(0)} states/s`);
  }
  const bare = bareLoop(rb, big.depth);
  const ex1 = through[0] as { states: number; ms: number };
  const overhead = ex1.ms / ex1.states / (bare.ms / bare.states);
  console.log(`bare loop: ${bare.states} states, ${bare.ms.toFixed(0)} ms, ${((bare.states / bare.ms) * 1000).toFixed(0)} states/s; explorer overhead ${overhead.toFixed(2)}x`);
  const out = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '', node: process.version, platform: `${os.platform()} ${os.release()}`, memBytes: os.totalmem() },
    method: { seeds: SEEDS, runs: RUNS, maxSteps: MAX_STEPS, baselineRuns: BASELINE_RUNS, exploreDepth: EXPLORE_DEPTH, exploreMaxStates: EXPLORE_MAX_STATES },
    violated: rows,
    throughput: { ...big, runs: through, bare, overhead },
  };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
  console.log('wrote bench/results.json');
}

await main();
