/**
 * What a fix changes: every relevant configuration checked twice, once with the baseline variant and once
 * with the fix swapped in, each the way the matrix checks a row (checker/matrix.ts): the random search's
 * exclusion loop, whose counterexample for an invariant is that of a search of the invariant alone (so
 * `pirqcheck check ... --invariant NAME` prints it), and breadth-first exploration with the same loop.
 *
 * A configuration the fix cannot affect is not checked twice: while the baseline is checked, every read of
 * the flags the fix changes is recorded (a Proxy over the configuration's flags object); if the search and
 * the exploration never read one, every run of the fix takes the same steps as the baseline's, so its
 * verdicts are the baseline's and the configuration is left out of the report. Rows are computed on worker
 * threads (api/compare-worker.ts), as the matrix's are.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { stateWorker } from '../checker/worker-heap.ts';
import { CONFIG_COMPONENTS, DEFAULT_CONFIG, resolveConfig, type Config, type Resolved } from '../model/config.ts';
import { INVARIANTS, type InvariantKind } from '../model/invariants.ts';
import { SCENARIOS } from '../model/scenarios.ts';
import { DEFAULT_FLAGS, findVariant, variantsOf, type Flags, type VariantComponent } from '../model/variants.ts';
import { matrixEntries, violatedSet } from '../checker/matrix.ts';
import { exhaustiveSet, type ExhaustiveBudget } from '../checker/exhaustive.ts';
import { configKey } from '../counterexamples/corpus.ts';
import type { LoadedVariant } from './load.ts';

/**
 * The exploration budget of each side of a comparison: every lifecycle graph of the matrix is complete within
 * it (the largest, handover-hvm's, has about 21,500 classes), the nvme graphs (up to 270,000 classes) are
 * explored that far and reported bounded, so a fix over every scenario is checked in seconds, not minutes.
 */
export const COMPARE_BUDGET: ExhaustiveBudget = { depth: Infinity, maxStates: 25_000 };

export interface SearchBudget {
  readonly seed: number;
  readonly runs: number;
  readonly maxSteps: number;
}

/** One side (baseline or fix) of one configuration. */
export interface SideVerdict {
  /** Invariant -> steps of the search's counterexample (that of a search of the invariant alone). */
  readonly search: Readonly<Record<string, number>>;
  /** Invariant -> steps of exploration's shortest counterexample. */
  readonly explore: Readonly<Record<string, number>>;
  /** Exploration covered the complete reachable graph. */
  readonly complete: boolean;
  /** Which of the watched flags the search or the exploration read. */
  readonly flagsRead: readonly string[];
  /** Invariant -> the evidence of its counterexample (the search's, or exploration's when only it found one). */
  readonly evidence: Readonly<Record<string, string>>;
}

/**
 * A resolved configuration that records into `read` every read of the `watch` flags (a Proxy over its flags
 * object) and every call of the `watch` functions (names `component.function`, wrapped in its table of
 * modelled functions, model/functions.ts): what a fix changes, by flag or by code.
 */
export function recordingFlags(r: Resolved, watch: readonly string[], read: Set<string>): Resolved {
  if (watch.length === 0) return r;
  const w = new Set(watch.filter((k) => !k.includes('.')));
  const flags = new Proxy(r.flags, {
    get(t, k, recv) {
      if (typeof k === 'string' && w.has(k)) read.add(k);
      return Reflect.get(t, k, recv);
    },
  }) as Flags;
  const fns = { ...r.fns } as Record<string, Record<string, (...a: unknown[]) => unknown>>;
  for (const k of watch.filter((x) => x.includes('.'))) {
    const [c, name] = k.split('.') as [string, string];
    const table = fns[c];
    const orig = table?.[name];
    if (!table || !orig) continue;
    fns[c] = { ...table, [name]: (...a: unknown[]) => (read.add(k), orig(...a)) };
  }
  return { ...r, flags, fns: fns as unknown as Resolved['fns'] };
}

/** Check one configuration as a matrix row does, recording reads of `watch`. */
export async function sideVerdict(config: Config, watch: readonly string[], b: SearchBudget): Promise<SideVerdict> {
  const read = new Set<string>();
  const r = recordingFlags(resolveConfig(config), watch, read);
  const set = violatedSet(r, INVARIANTS, b);
  const x = await exhaustiveSet(r, INVARIANTS, COMPARE_BUDGET);
  const search: Record<string, number> = {};
  const explore: Record<string, number> = {};
  const evidence: Record<string, string> = {};
  for (const inv of INVARIANTS) {
    const s = set.violated.get(inv.name);
    if (s) search[inv.name] = s.steps?.length ?? 0;
    const e = x.violated.find((v) => v.invariant === inv.name);
    if (e) explore[inv.name] = e.steps;
    const text = s?.violation?.evidence.text || e?.evidence;
    if (text) evidence[inv.name] = text;
  }
  return { search, explore, complete: x.complete, flagsRead: watch.filter((f) => read.has(f)), evidence };
}

export type Change = 'FIXES' | 'BREAKS' | 'still violated' | 'holds';

export interface CompareRow {
  readonly baseline: Config;
  readonly fix: Config;
  readonly invariant: string;
  readonly kind: InvariantKind;
  readonly before: 'holds' | 'violated';
  readonly after: 'holds' | 'violated';
  readonly change: Change;
  /** Steps of the fix's shortest counterexample, and which engine found it ('search' when the search did). */
  readonly afterSteps: number | null;
  readonly afterBy: 'search' | 'explore' | null;
  /** The evidence of the counterexample on the side that violates it (the fix's for BREAKS, the baseline's for FIXES). */
  readonly evidence: string | null;
}

export interface Comparison {
  readonly variant: LoadedVariant;
  /** Rows of the configurations the fix can affect. */
  readonly rows: readonly CompareRow[];
  /** Configurations checked. */
  readonly configs: number;
  /** Configurations whose search and exploration never read a flag the fix changes: not listed. */
  readonly unaffected: readonly Config[];
  /** Whether every configuration listed was explored completely, with baseline and fix. */
  readonly proved: number;
}

/** What a fix changes relative to its base: the flags it changes and the functions it overrides (`component.name`). */
export function changedBehaviour(v: LoadedVariant): string[] {
  return [...changedFlags(v), ...v.overridden.map((n) => `${v.component}.${n}`)];
}

/** The flags a variant changes relative to its base (their names). */
export function changedFlags(v: LoadedVariant): string[] {
  const base = findVariant(v.component, v.base);
  const before = (base?.flags ?? {}) as Partial<Record<keyof Flags, unknown>>;
  const after = v.flags as Partial<Record<keyof Flags, unknown>>;
  return (Object.keys(after) as (keyof Flags)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/**
 * The configurations a fix of `component` is compared in. Without a pinned component: every matrix
 * configuration (checker/matrix.ts) that uses the fix's base, and for a scenario that uses the component
 * but has no such matrix row, its default configuration with the base. With a pinned component, or
 * `allVariants`: every scenario that uses the component, with every built-in variant of each other
 * component that scenario uses unless pinned (a component a scenario does not use stays at its default).
 */
export function comparisonConfigs(
  component: VariantComponent,
  base: string,
  pinned: Partial<Record<string, string>>,
  builtIn: (c: VariantComponent, id: string) => boolean,
  allVariants = false,
): Config[] {
  const scenarios = SCENARIOS.filter((s) => (pinned['scenario'] === undefined || s.id === pinned['scenario']) && s.components.includes(component));
  const pinnedComponent = CONFIG_COMPONENTS.some((c) => c !== component && pinned[c] !== undefined);
  if (!pinnedComponent && !allVariants) {
    const out: Config[] = [];
    const seen = new Set<string>();
    for (const s of scenarios) {
      const rows = matrixEntries().filter((e) => e.config.scenario === s.id && e.config[component] === base);
      const cfgs = rows.length ? rows.map((e) => e.config) : [{ ...DEFAULT_CONFIG, scenario: s.id, [component]: base } as Config];
      for (const c of cfgs) {
        const k = configKey(c);
        if (!seen.has(k)) (seen.add(k), out.push(c));
      }
    }
    return out;
  }
  const out: Config[] = [];
  for (const s of scenarios) {
    let partial: Record<string, string>[] = [{ scenario: s.id }];
    for (const c of CONFIG_COMPONENTS) {
      const choices =
        c === component
          ? [base]
          : pinned[c] !== undefined
            ? [pinned[c]!]
            : s.components.includes(c)
              ? distinctBuiltIns(c, builtIn)
              : [DEFAULT_CONFIG[c]];
      partial = partial.flatMap((p) => choices.map((id) => ({ ...p, [c]: id })));
    }
    out.push(...partial.map((p) => ({ ...DEFAULT_CONFIG, ...p }) as unknown as Config));
  }
  return out;
}

/**
 * The built-in variants of `c`, one per distinct set of flags: releases that share their flags (Xen 4.15 ..
 * 4.18, libxl-4.14 .. libxl-4.22 with libxl) behave the same for every modelled function, so comparing a fix
 * in each of them would repeat identical searches. The first in VARIANTS order stands for its group.
 */
function distinctBuiltIns(c: VariantComponent, builtIn: (c: VariantComponent, id: string) => boolean): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of variantsOf(c)) {
    if (!builtIn(c, v.id)) continue;
    const key = JSON.stringify(Object.entries({ ...DEFAULT_FLAGS, ...v.flags }).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v.id);
  }
  return out;
}

/** Scenarios left out of a comparison because they do not use `component`. */
export function scenariosWithout(component: VariantComponent, pinned: Partial<Record<string, string>>): string[] {
  return SCENARIOS.filter((s) => (pinned['scenario'] === undefined || s.id === pinned['scenario']) && !s.components.includes(component)).map((s) => s.id);
}

interface Job {
  readonly id: number;
  readonly config: Config;
  readonly watch: readonly string[];
}

/**
 * Run side verdicts on `workers` threads (in this thread when 1). `next` is asked for jobs as threads
 * become free, and may return more work after a result came in (the fix side of an affected configuration).
 */
async function runJobs(
  workers: number,
  variantFiles: readonly string[],
  b: SearchBudget,
  next: () => Job | undefined,
  done: (j: Job, v: SideVerdict) => void,
): Promise<void> {
  if (workers <= 1) {
    for (let j = next(); j; j = next()) done(j, await sideVerdict(j.config, j.watch, b));
    return;
  }
  const pool = Array.from({ length: workers }, () => stateWorker(new URL('./compare-worker-boot.mjs', import.meta.url), { workerData: { budget: b, variantFiles } }));
  const busy = new Map<Worker, Job>();
  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (w: Worker): void => {
        const j = next();
        if (j) {
          busy.set(w, j);
          w.postMessage({ id: j.id, config: j.config, watch: j.watch });
        } else if (busy.size === 0) resolve();
      };
      for (const w of pool) {
        w.on('message', (m: { id: number; side: SideVerdict }) => {
          const j = busy.get(w)!;
          busy.delete(w);
          done(j, m.side);
          // A result may have queued more work: offer it to every idle thread.
          for (const x of pool) if (!busy.has(x)) feed(x);
        });
        w.on('error', reject);
      }
      for (const w of pool) feed(w);
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

export interface CompareOptions {
  /** Worker threads (default: the number of CPUs, at most the number of configurations). */
  readonly workers?: number;
  /** Called after each side verdict: configurations finished, configurations in all. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Asked before each job starts: true stops the comparison there (Ctrl-C); the configurations finished are compared. */
  readonly stop?: () => boolean;
}

export async function compareVariant(v: LoadedVariant, configs: readonly Config[], b: SearchBudget, o: CompareOptions = {}): Promise<Comparison> {
  const watch = changedBehaviour(v);
  const base: (SideVerdict | undefined)[] = new Array(configs.length);
  const fix: (SideVerdict | undefined)[] = new Array(configs.length);
  const queue: Job[] = configs.map((c, i) => ({ id: i, config: { ...c, [v.component]: v.base } as Config, watch }));
  let finished = 0;
  const workers = Math.max(1, Math.min(o.workers ?? availableParallelism(), configs.length));
  await runJobs(
    workers,
    [v.file],
    b,
    () => (o.stop?.() ? undefined : queue.shift()),
    (j, side) => {
      if (j.id < configs.length) {
        base[j.id] = side;
        if (side.flagsRead.length > 0) {
          // Fix sides go first, so that the configurations finish in order of their baselines.
          queue.unshift({ id: configs.length + j.id, config: { ...configs[j.id]!, [v.component]: v.id } as Config, watch: [] });
          return;
        }
      } else fix[j.id - configs.length] = side;
      o.onProgress?.(++finished, configs.length);
    },
  );
  const rows: CompareRow[] = [];
  const unaffected: Config[] = [];
  let proved = 0;
  let compared = 0;
  configs.forEach((cfg, i) => {
    const bv = base[i];
    const fv = fix[i];
    // Stopped before this configuration (or its fix side) ran.
    if (!bv || (bv.flagsRead.length > 0 && !fv)) return;
    compared++;
    const baseline = { ...cfg, [v.component]: v.base } as Config;
    if (!fv) {
      unaffected.push(baseline);
      return;
    }
    if (bv.complete && fv.complete) proved++;
    const fixCfg = { ...cfg, [v.component]: v.id } as Config;
    for (const inv of INVARIANTS) {
      const was = inv.name in bv.search || inv.name in bv.explore;
      const now = inv.name in fv.search || inv.name in fv.explore;
      const before = was ? 'violated' : 'holds';
      const after = now ? 'violated' : 'holds';
      const change: Change = was === now ? (now ? 'still violated' : 'holds') : now ? 'BREAKS' : 'FIXES';
      const s = fv.search[inv.name];
      const x = fv.explore[inv.name];
      rows.push({
        baseline,
        fix: fixCfg,
        invariant: inv.name,
        kind: inv.kind,
        before,
        after,
        change,
        afterSteps: s ?? x ?? null,
        afterBy: s !== undefined ? 'search' : x !== undefined ? 'explore' : null,
        evidence: (now ? fv.evidence[inv.name] : bv.evidence[inv.name]) ?? null,
      });
    }
  });
  return { variant: v, rows, configs: compared, unaffected, proved };
}
