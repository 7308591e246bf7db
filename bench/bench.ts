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
import { DEFAULT_CONFIG, configLabel, resolveConfig, type Config, type Resolved } from '../model/config.ts';
import { INVARIANTS, violations, type Invariant } from '../model/invariants.ts';
import { enabledActions, initialWorld } from '../model/scenarios.ts';
import { apply } from '../model/step.ts';
import type { World } from '../model/world.ts';
import { explore } from '../checker/explore.ts';
import { search } from '../checker/search.ts';
import { successorFingerprint, worldFingerprint } from '../checker/fingerprint.ts';
import { CONCRETE } from '../checker/identity.ts';
import { exhaustiveSet } from '../checker/exhaustive.ts';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { peerPart } from './peer/bench-peer.ts';

/**
 * PIRQCHECK_BENCH=throughput runs only the throughput part, =ttf only the time-to-first-counterexample part,
 * =identity only the state-identity part (concrete against reduced, complete graphs, 1 and 2 threads), =peer only
 * the SPIN peer (bench/peer/bench-peer.ts: states per second against SPIN's on the same cells and depth), =young
 * only the worker threads' young generation (the matrix with it and with V8's default, whole processes).
 */
const ONLY = process.env['PIRQCHECK_BENCH'] ?? '';

const SEEDS = [1, 2, 3, 4, 5];
const RUNS = 300;
const MAX_STEPS = 40;
const BASELINE_RUNS = 2000;
const EXPLORE_DEPTH = 30;
const EXPLORE_MAX_STATES = 20_000;
/** explore is deterministic: its repetitions only give the timing spread. */
const EXPLORE_REPS = 3;
/** Throughput runs (1 worker, 2 workers, bare loop) are repeated and the median taken (the machine is shared). */
const THROUGHPUT_REPS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const spread = (xs: number[]) => ({ min: Math.min(...xs), max: Math.max(...xs) });

/**
 * The benchmarked configurations: seed 001's matrix (checker/matrix.ts) in both interrupt modes and the hostile
 * guest, with every invariant; and the two lifecycle bugs with the invariant that names them (the deep
 * reboot/maskall bug and the PV vector bug of xen-2.6.18). The full cross product of every component's variants
 * (over a thousand configurations since dom0 and the toolstack joined) is not benchmarked.
 */
function benchConfigs(): { config: Config; invariant: string | null }[] {
  const out: { config: Config; invariant: string | null }[] = [];
  for (const scenario of ['nvme-hvm', 'nvme-msi-hvm', 'hostile-hvm'])
    for (const guest of ['reuse-pirq', 'reuse-pirq-live', 'fresh-pirq'])
      for (const qemu of ['keep-pirqs', 'unmap-on-disable']) out.push({ config: { ...DEFAULT_CONFIG, scenario, guest, qemu, xen: '4.12' }, invariant: null });
  out.push({ config: { ...DEFAULT_CONFIG, scenario: 'reboot-hvm', dom0: 'pvops', xen: '4.12', toolstack: 'libxl' }, invariant: 'maskall-clear-after-assign' });
  out.push({ config: { ...DEFAULT_CONFIG, scenario: 'igbvf-pv', dom0: 'xen-2.6.18' }, invariant: 'pv-vectors-bound' });
  return out;
}

// (a) Plain fast-check model-based testing: one command class per action kind, uniform choice, check = the
// kind is enabled in the model state, concrete arguments picked from the enabled actions of that kind.
interface M {
  w: World;
  steps: number;
}
class Violated extends Error {}
function baselineCommands(r: Resolved, invs: readonly Invariant[]) {
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
            if (violations(m.w, invs).length) throw new Violated(kind);
          }
          toString() {
            return `${kind}#${pick}`;
          }
        })(),
    ),
  );
}
function baseline(r: Resolved, seed: number, invs: readonly Invariant[]): { firstMs: number | null; shrunk: number | null } {
  const t0 = performance.now();
  let first: number | null = null;
  const cmds = baselineCommands(r, invs);
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

function ours(r: Resolved, seed: number, swarm: boolean, invs: readonly Invariant[]): { firstMs: number | null; shrunk: number | null } {
  const t0 = performance.now();
  let first: number | null = null;
  const res = search(r, { seed, runs: RUNS, maxSteps: MAX_STEPS, invariants: invs, swarm, onFirstFailure: () => (first = performance.now() - t0) });
  return { firstMs: first, shrunk: res.actions?.length ?? null };
}

/**
 * A bare BFS: step and encode each state the cheapest way the explorer can identify it (its incremental
 * fingerprint, checker/fingerprint.ts; the explorer's own state identity since it no longer encodes states as
 * JSON, so both count the same states), a Set of them; no invariants, no parent pointers, no slices.
 */
function bareLoop(r: Resolved, depth: number): { states: number; ms: number } {
  const t0 = performance.now();
  const seen = new Set<string>();
  let frontier: World[] = [initialWorld(r.scenario)];
  seen.add(worldFingerprint(frontier[0]!));
  for (let d = 0; d < depth && frontier.length; d++) {
    const next: World[] = [];
    for (const w of frontier)
      for (const a of enabledActions(w, r.scenario)) {
        const x = apply(w, a, r).world;
        const e = successorFingerprint(w, x);
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
  const loadavgAtStart = os.loadavg();
  const rows: Record<string, unknown>[] = [];
  console.log('config | baseline first ms med [min-max] found/5 shrunk | search first ms | swarm first ms | explore ms | lengths fc/search/swarm/explore');
  for (const { config: c, invariant } of ONLY === 'throughput' ? [] : benchConfigs()) {
    const r = resolveConfig(c);
    const invs = invariant ? INVARIANTS.filter((i) => i.name === invariant) : INVARIANTS;
    const ex0 = await explore(r, { depth: EXPLORE_DEPTH, maxStates: EXPLORE_MAX_STATES, invariants: invs });
    const probe = search(r, { seed: 42, runs: RUNS, maxSteps: MAX_STEPS, invariants: invs });
    if (ex0.verdict !== 'violated' && probe.verdict !== 'violated') {
      console.log(`${configLabel(c)} | no violation (explore ${ex0.verdict} at ${ex0.stats.distinctStates} states, search seed 42 holds): not benchmarked`);
      continue;
    }
    const a = SEEDS.map((s) => baseline(r, s, invs));
    const b = SEEDS.map((s) => ours(r, s, false, invs));
    const sw = SEEDS.map((s) => ours(r, s, true, invs));
    const e: number[] = [];
    for (let i = 0; i < EXPLORE_REPS; i++) e.push((await explore(r, { depth: EXPLORE_DEPTH, maxStates: EXPLORE_MAX_STATES, invariants: invs })).stats.elapsedMs);
    const sum = (xs: { firstMs: number | null; shrunk: number | null }[]) => {
      const f = xs.map((x) => x.firstMs).filter((x): x is number => x !== null);
      const l = xs.map((x) => x.shrunk).filter((x): x is number => x !== null);
      return { found: f.length, firstMsMedian: f.length ? median(f) : null, firstMsSpread: f.length ? spread(f) : null, shrunkMedian: l.length ? median(l) : null, shrunkMax: l.length ? Math.max(...l) : null };
    };
    const row = {
      config: c,
      invariant: invariant ?? 'all',
      exploreVerdict: ex0.verdict,
      exploreInvariant: ex0.violation?.invariant ?? null,
      exploreShortest: ex0.actions?.length ?? null,
      exploreStates: ex0.stats.distinctStates,
      exploreMs: { median: median(e), ...spread(e) },
      baseline: sum(a),
      search: sum(b),
      swarm: sum(sw),
    };
    rows.push(row);
    console.log(
      `${configLabel(c)}${invariant ? ` [${invariant}]` : ''} | ${fmt(row.baseline.firstMsMedian)} [${fmt(row.baseline.firstMsSpread?.min ?? null)}-${fmt(row.baseline.firstMsSpread?.max ?? null)}] ${row.baseline.found}/5 | ` +
        `${fmt(row.search.firstMsMedian)} [${fmt(row.search.firstMsSpread?.min ?? null)}-${fmt(row.search.firstMsSpread?.max ?? null)}] ${row.search.found}/5 | ` +
        `${fmt(row.swarm.firstMsMedian)} ${row.swarm.found}/5 | ${fmt(row.exploreMs.median)} [${fmt(row.exploreMs.min)}-${fmt(row.exploreMs.max)}] | ` +
        `${row.baseline.shrunkMax ?? '-'}/${row.search.shrunkMax ?? '-'}/${row.swarm.shrunkMax ?? '-'}/${row.exploreShortest ?? '-'}`,
    );
  }

  // Throughput: the largest default configuration (no violation; its state space grows without bound with the
  // depth), 1 and 2 workers and the bare loop, each THROUGHPUT_REPS times, median. CPU time (all threads of the
  // process) is recorded too: on a shared machine the wall-clock ratio of 2 workers to 1 says little, while the
  // CPU-time ratio is the parallel work overhead.
  const big = { config: { ...DEFAULT_CONFIG, scenario: 'nvme-hvm', guest: 'reuse-pirq', qemu: 'keep-pirqs', xen: '4.12' } as Config, depth: 20 };
  const rb = resolveConfig(big.config);
  const through: Record<string, unknown>[] = [];
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (const workers of ONLY === 'ttf' ? [] : [1, 2]) {
    const reps: { ms: number; cpuMs: number; statesPerSecond: number; states: number; transitions: number; rssBytes: number }[] = [];
    for (let i = 0; i < THROUGHPUT_REPS; i++) {
      const c0 = cpuMs();
      const res = await explore(rb, { depth: big.depth, maxStates: 1_000_000, invariants: INVARIANTS, workers });
      reps.push({ ms: res.stats.elapsedMs, cpuMs: cpuMs() - c0, statesPerSecond: res.stats.statesPerSecond, states: res.stats.distinctStates, transitions: res.stats.transitions, rssBytes: res.stats.memory.rssBytes });
    }
    const ms = median(reps.map((x) => x.ms));
    const row = { workers, states: reps[0]!.states, transitions: reps[0]!.transitions, ms, msSpread: spread(reps.map((x) => x.ms)), cpuMs: median(reps.map((x) => x.cpuMs)), statesPerSecond: (reps[0]!.states / ms) * 1000, rssBytes: Math.max(...reps.map((x) => x.rssBytes)), os: { loadavg: os.loadavg() } };
    through.push(row);
    console.log(`explore ${configLabel(big.config)} depth ${big.depth} workers ${workers}: ${row.states} states, ${row.transitions} transitions, median ${ms.toFixed(0)} ms [${row.msSpread.min.toFixed(0)}-${row.msSpread.max.toFixed(0)}], ${row.statesPerSecond.toFixed(0)} states/s, cpu ${row.cpuMs.toFixed(0)} ms, load ${os.loadavg()[0]!.toFixed(1)}`);
  }
  // The device symmetry reduction on the same configuration (1 worker): fewer states, same certificate.
  let symmetry: Record<string, unknown> | null = null;
  if (ONLY !== 'ttf') {
    const reps = [];
    for (let i = 0; i < THROUGHPUT_REPS; i++) reps.push(await explore(rb, { depth: big.depth, maxStates: 1_000_000, invariants: INVARIANTS, symmetry: true }));
    const ms = median(reps.map((x) => x.stats.elapsedMs));
    symmetry = { verdict: reps[0]!.verdict, states: reps[0]!.stats.distinctStates, transitions: reps[0]!.stats.transitions, ms };
    console.log(`explore --symmetry depth ${big.depth}: ${reps[0]!.stats.distinctStates} states, median ${ms.toFixed(0)} ms`);
  }
  if (ONLY === 'ttf') {
    writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ violated: rows }, null, 2) + '\n');
    return;
  }
  const bares = Array.from({ length: THROUGHPUT_REPS }, () => bareLoop(rb, big.depth));
  const bare = { states: bares[0]!.states, ms: median(bares.map((x) => x.ms)) };
  const ex1 = through[0] as { states: number; ms: number; cpuMs: number };
  const ex2 = through[1] as { ms: number; cpuMs: number };
  const overhead = ex1.ms / ex1.states / (bare.ms / bare.states);
  const twoWorkerSpeedup = ex1.ms / ex2.ms;
  const twoWorkerCpuRatio = ex2.cpuMs / ex1.cpuMs;
  console.log(`bare loop: ${bare.states} states, median ${bare.ms.toFixed(0)} ms, ${((bare.states / bare.ms) * 1000).toFixed(0)} states/s; explorer overhead ${overhead.toFixed(2)}x`);
  console.log(`2 workers / 1 worker: wall-clock speed-up ${twoWorkerSpeedup.toFixed(2)}x, CPU time ${twoWorkerCpuRatio.toFixed(2)}x`);
  const out = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '', node: process.version, platform: `${os.platform()} ${os.release()}`, memBytes: os.totalmem(), loadavgAtStart, loadavgAtEnd: os.loadavg() },
    method: { seeds: SEEDS, runs: RUNS, maxSteps: MAX_STEPS, baselineRuns: BASELINE_RUNS, exploreDepth: EXPLORE_DEPTH, exploreMaxStates: EXPLORE_MAX_STATES, exploreReps: EXPLORE_REPS, throughputReps: THROUGHPUT_REPS },
    violated: rows,
    throughput: { ...big, runs: through, bare, overhead, twoWorkerSpeedup, twoWorkerCpuRatio, symmetry },
  };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
  console.log('wrote bench/results.json');
}

/** A full collection (for the bytes per stored state). */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * The state identity (checker/identity.ts), in one process, each pair alternated: (1) the same configuration and
 * depth with the concrete identity (the incremental fingerprint of the whole world, as before) and the reduced
 * one: states against classes, time, states per second and per CPU-second; (2) every nvme-hvm and nvme-msi-hvm
 * cell of seed 001 to the end of its graph (at most IDENTITY_MAX states), with the bytes the explorer holds per
 * stored state once the graph is done (heap after a full collection, minus the heap before the run); (3) 1 and 2
 * threads on the largest graph of more than 100,000 classes among them.
 */
const IDENTITY_MAX = 150_000;
async function identityPart(): Promise<Record<string, unknown>> {
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  // The heap at its largest during a run (sampled at every progress report: frontier, seen set, parent
  // pointers and garbage not yet collected), less the heap before it.
  const timed = async (r: Resolved, o: Parameters<typeof explore>[1]) => {
    gc();
    const h0 = process.memoryUsage().heapUsed;
    let peak = h0;
    const c0 = cpuMs();
    const res = await explore(r, { ...o, onProgress: () => (peak = Math.max(peak, process.memoryUsage().heapUsed)) });
    const cpu = cpuMs() - c0;
    return { res, cpu, held: Math.max(0, peak - h0) };
  };
  // What one stored state costs: a 16-byte fingerprint in the seen set (a JavaScript Set of one-byte strings)
  // and two Int32 columns (parent, action), measured on 500,000 fingerprints after a full collection.
  gc();
  const s0 = process.memoryUsage().heapUsed;
  const probe = new Set<string>();
  for (let i = 0; i < 500_000; i++) probe.add(String.fromCharCode(...Array.from({ length: 16 }, (_, k) => (Math.imul(i + 1, 2654435761 + k * 40503) >>> (k % 24)) & 255)));
  gc();
  const storedBytesPerState = (process.memoryUsage().heapUsed - s0) / probe.size + 8;
  console.log(`identity stored state: ${storedBytesPerState.toFixed(0)} bytes (seen-set entry and parent pointers, ${probe.size} fingerprints)`);
  probe.clear();
  const nv = resolveConfig({ ...DEFAULT_CONFIG, scenario: 'nvme-hvm', guest: 'reuse-pirq', qemu: 'keep-pirqs', xen: '4.12' });
  const pair: Record<string, { ms: number[]; cpu: number[]; states: number; transitions: number }> = {};
  for (let i = 0; i < THROUGHPUT_REPS; i++)
    for (const [name, id] of [['concrete', CONCRETE], ['reduced', undefined]] as const) {
      const x = await timed(nv, { depth: 20, maxStates: 5_000_000, invariants: INVARIANTS, ...(id ? { identity: id } : {}) });
      const p = (pair[name] ??= { ms: [], cpu: [], states: x.res.stats.distinctStates, transitions: x.res.stats.transitions });
      p.ms.push(x.res.stats.elapsedMs);
      p.cpu.push(x.cpu);
    }
  const perState = Object.fromEntries(
    Object.entries(pair).map(([k, p]) => {
      const ms = median(p.ms);
      const cpu = median(p.cpu);
      return [k, { states: p.states, transitions: p.transitions, ms, cpuMs: cpu, statesPerSecond: (p.states / ms) * 1000, statesPerCpuSecond: (p.states / cpu) * 1000, transitionsPerCpuSecond: (p.transitions / cpu) * 1000 }];
    }),
  );
  for (const [k, v] of Object.entries(perState)) console.log(`identity ${k} depth 20: ${v.states} states, ${v.ms.toFixed(0)} ms, ${v.statesPerSecond.toFixed(0)} states/s, ${v.statesPerCpuSecond.toFixed(0)} per CPU-s, ${v.transitionsPerCpuSecond.toFixed(0)} transitions per CPU-s`);
  const cells: Record<string, unknown>[] = [];
  for (const scenario of ['nvme-hvm', 'nvme-msi-hvm'])
    for (const guest of ['reuse-pirq', 'reuse-pirq-live', 'fresh-pirq'])
      for (const qemu of ['keep-pirqs', 'unmap-on-disable']) {
        const r = resolveConfig({ ...DEFAULT_CONFIG, scenario, guest, qemu, xen: '4.12' });
        // The matrix's exclusion loop (checker/exhaustive.ts): every invariant, then without those violated,
        // until the rest holds on the whole graph; the classes are those of its last exploration.
        const c0 = cpuMs();
        const t0 = performance.now();
        const x = await exhaustiveSet(r.config, INVARIANTS, { depth: Infinity, maxStates: IDENTITY_MAX });
        const cpu = cpuMs() - c0;
        const ms = performance.now() - t0;
        const row = { scenario, guest, qemu, complete: x.complete, classes: x.states, depth: x.depth, violated: x.violated.map((v) => v.invariant), ms, cpuMs: cpu, statesPerSecond: (x.states / ms) * 1000, statesPerCpuSecond: (x.states / cpu) * 1000 };
        cells.push(row);
        console.log(`identity ${scenario} ${guest} ${qemu}: ${row.complete ? 'complete' : 'bounded'}, ${row.classes} classes, depth ${row.depth}, ${row.ms.toFixed(0)} ms, ${row.statesPerSecond.toFixed(0)} states/s, ${row.statesPerCpuSecond.toFixed(0)} per CPU-s`);
      }
  // 1 and 2 threads, alternated, on two graphs over 100,000 classes with no invariant (to the end of the graph: the
  // runs with every invariant stop at their first violation): nvme-hvm reuse-pirq unmap-on-disable (132,250
  // classes, depth 90) and reuse-pirq-live unmap-on-disable (567,059, depth 142), on Xen 4.22: the same graphs as
  // on 4.12 before the msixtbl refcount of 4.12 - 4.21 was modelled (xenMsixtblRefcountFixed), which makes them
  // 149,655 and 7,128,086 classes there.
  const threadGraphs: Record<string, unknown>[] = [];
  for (const guest of ['reuse-pirq', 'reuse-pirq-live']) {
    const big = resolveConfig({ ...DEFAULT_CONFIG, scenario: 'nvme-hvm', guest, qemu: 'unmap-on-disable', xen: '4.22' });
    const thr: Record<number, { ms: number[]; cpu: number[]; classes: number }> = {};
    for (let i = 0; i < 2; i++)
      for (const workers of [1, 2]) {
        const x = await timed(big, { maxStates: 1_000_000, invariants: [], workers });
        const t = (thr[workers] ??= { ms: [], cpu: [], classes: x.res.stats.distinctStates });
        t.ms.push(x.res.stats.elapsedMs);
        t.cpu.push(x.cpu);
      }
    const threads = Object.fromEntries(Object.entries(thr).map(([k, t]) => [k, { classes: t.classes, ms: median(t.ms), msAll: t.ms, cpuMs: median(t.cpu) }]));
    const speedup = (threads['1']!.ms as number) / (threads['2']!.ms as number);
    const cpuRatio = (threads['2']!.cpuMs as number) / (threads['1']!.cpuMs as number);
    console.log(`identity threads, nvme-hvm ${guest} unmap-on-disable complete, ${threads['1']!.classes} classes: 1 thread ${threads['1']!.ms.toFixed(0)} ms, 2 threads ${threads['2']!.ms.toFixed(0)} ms: ${speedup.toFixed(2)}x, CPU ${cpuRatio.toFixed(2)}x`);
    threadGraphs.push({ guest, qemu: 'unmap-on-disable', threads, twoThreadSpeedup: speedup, cpuRatio });
  }
  return { perState, storedBytesPerState, cells, threadGraphs, loadavg: os.loadavg() };
}

/** Adds one part's results to bench/results.json, keeping the other parts'. */
async function mergeResults(key: string, value: unknown): Promise<void> {
  let prev: Record<string, unknown> = {};
  try {
    prev = JSON.parse((await import('node:fs')).readFileSync(new URL('./results.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  } catch {
    prev = {};
  }
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ ...prev, [key]: value }, null, 2) + '\n');
  console.log(`wrote bench/results.json (${key})`);
}

/**
 * The worker threads' young generation (checker/worker-heap.ts), whole processes under /usr/bin/time (wall-clock,
 * user + system of all threads, peak RSS), two settings alternated pair by pair, the ratios taken per pair and
 * the median quoted; the two outputs must be equal but for the timing figures:
 *   - `npm start`'s matrix with the default (YOUNG_GENERATION_MB) and V8's own (PIRQCHECK_YOUNG_MB=0), 2 pairs;
 *   - `explore` of a 132,250-class graph (nvme-hvm reuse-pirq unmap-on-disable, Xen 4.22) in its worker thread (the default) and in the calling thread
 *     (PIRQCHECK_WATCHDOG=0), 3 pairs.
 */
async function youngPart(): Promise<Record<string, unknown>> {
  const { spawnSync } = await import('node:child_process');
  const bin = new URL('../bin/pirqcheck.js', import.meta.url).pathname;
  const one = (args: readonly string[], env: Record<string, string>) => {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M', process.execPath, bin, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
    const wall = (performance.now() - t0) / 1000;
    const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args[0]} exited with ${r.status}: ${(r.stderr ?? '').split('\n').slice(-3).join(' ')}`);
    if (!m) throw new Error('/usr/bin/time gave no figures');
    // Timing figures and memory differ between runs; everything else must not.
    const out = r.stdout.replace(/\d+ states\/s, [\d.]+ s, (\d+ worker\(s\)), rss \d+ MiB, heap \d+ MiB/g, '$1').replace(/\d+(\.\d+)? s\b/g, '');
    return { wall, cpu: Number(m[1]) + Number(m[2]), peakMiB: Number(m[3]) / 1024, out };
  };
  const compare = (what: string, args: readonly string[], a: Record<string, string>, b: Record<string, string>, runs: number) => {
    const pairs: { a: ReturnType<typeof one>; b: ReturnType<typeof one> }[] = [];
    for (let i = 0; i < runs; i++) pairs.push({ a: one(args, a), b: one(args, b) });
    if (pairs.some((p) => p.a.out !== p.b.out)) throw new Error(`${what}: the two settings printed different results`);
    const med = (f: (p: (typeof pairs)[number]) => number) => median(pairs.map(f));
    return {
      method: `node bin/pirqcheck.js ${args.join(' ')}, whole process, ${runs} pairs alternated (${JSON.stringify(a)} first, against ${JSON.stringify(b)}), /usr/bin/time`,
      wallS: { a: pairs.map((p) => p.a.wall), b: pairs.map((p) => p.b.wall) },
      cpuS: { a: pairs.map((p) => p.a.cpu), b: pairs.map((p) => p.b.cpu) },
      peakMiB: { a: pairs.map((p) => p.a.peakMiB), b: pairs.map((p) => p.b.peakMiB) },
      wallRatio: med((p) => p.a.wall / p.b.wall),
      cpuRatio: med((p) => p.a.cpu / p.b.cpu),
      sameOutput: true,
    };
  };
  const matrix = compare('matrix', ['matrix'], { PIRQCHECK_YOUNG_MB: '' }, { PIRQCHECK_YOUNG_MB: '0' }, 2);
  console.log(`young generation: matrix wall ${matrix.wallRatio.toFixed(3)}x, CPU ${matrix.cpuRatio.toFixed(3)}x of V8's default (2 pairs)`);
  const explore = compare(
    'explore',
    ['explore', '--scenario', 'nvme-hvm', '--guest', 'reuse-pirq', '--qemu', 'unmap-on-disable', '--xen', '4.22', '--invariant', 'no-domain-crash'],
    {},
    { PIRQCHECK_WATCHDOG: '0' },
    3,
  );
  console.log(`young generation: explore in its worker thread wall ${explore.wallRatio.toFixed(3)}x, CPU ${explore.cpuRatio.toFixed(3)}x of the calling thread (3 pairs)`);
  return { youngGenerationMb: 384, matrix, explore, loadavg: os.loadavg() };
}

if (ONLY !== 'identity' && ONLY !== 'peer' && ONLY !== 'young') await main();
if (ONLY === 'identity' || ONLY === '') await mergeResults('identity', await identityPart());
if (ONLY === 'peer' || ONLY === '') await mergeResults('peer', await peerPart());
if (ONLY === 'young' || ONLY === '') await mergeResults('young', await youngPart());
