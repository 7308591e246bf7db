/**
 * A fix against the known bugs: every trace of the counterexample corpus whose configuration uses the fix's
 * base variant, in a scenario that uses the fix's component, is replayed with the fix swapped in (checker/replay.ts, no search), and sorted into:
 * fixed (every step ran and the recorded invariant held: the known bug does not happen on these steps; any
 * other invariant failing on them is listed, by kind, as what remains), still violated (the recorded
 * invariant fails again), or cannot run (some steps are not possible with the fix).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_COMPONENTS, DEFAULT_CONFIG, type Config } from '../model/config.ts';
import { findScenario } from '../model/scenarios.ts';
import { replay, replayConfig } from '../checker/replay.ts';
import { actionText } from '../checker/replay.ts';
import { loadTraceFile, TraceError } from '../checker/trace.ts';
import { EXPECTATIONS_FILE, readExpectations } from '../counterexamples/corpus.ts';
import type { LoadedVariant } from './load.ts';
import type { InvariantKind } from '../model/invariants.ts';
import { kindOf } from '../checker/outcome.ts';
import { recordingFlags } from './compare.ts';

/** The corpus shipped with pirqcheck, found relative to this file (not the working directory). */
export const PACKAGE_CORPUS_DIR = fileURLToPath(new URL('../counterexamples/', import.meta.url));

/**
 * fixed: every step ran and the recorded invariant held after each (other invariants may still fail on the
 * same steps: `remains`); still violated: the recorded invariant fails again; cannot run: some steps are not
 * possible with the fix (and the recorded invariant did not fail on the others).
 */
export type CorpusOutcome = 'fixed' | 'still violated' | 'cannot run';
export const CORPUS_OUTCOMES: readonly CorpusOutcome[] = ['fixed', 'still violated', 'cannot run'];

export interface CorpusReplayRow {
  /** Trace file name, relative to the corpus directory. */
  readonly trace: string;
  readonly config: Config;
  /** The invariant the trace records as violated: the known bug. */
  readonly invariant: string;
  readonly kind: InvariantKind;
  readonly outcome: CorpusOutcome;
  /** The first step after which any invariant failed, and every invariant failing there. */
  readonly violatedAt: number | null;
  readonly violated: readonly string[];
  /** Other invariants that fail on the same steps with the fix: what remains, with their kind and first step. */
  readonly remains: readonly { readonly invariant: string; readonly kind: InvariantKind; readonly n: number }[];
  /** For steps the fix makes impossible: 1-based step, action and reason. */
  readonly refused: readonly { readonly n: number; readonly action: string; readonly reason: string }[];
  readonly steps: number;
}

export interface CorpusReplay {
  readonly dir: string;
  /** Traces in the corpus. */
  readonly total: number;
  /** Traces whose configuration does not use the fix's base variant (not replayed). */
  readonly otherBase: number;
  /** Traces of the base in scenarios that do not use the fix's component: the swap changes nothing there (not replayed). */
  readonly componentUnused: number;
  /** Traces whose replay never read a flag the fix changes: the fix cannot change them (not listed). */
  readonly flagsUnread: number;
  readonly rows: readonly CorpusReplayRow[];
  /** Files listed in expectations.json (or present) that could not be loaded, with the reason. */
  readonly unreadable: readonly { readonly trace: string; readonly reason: string }[];
}

/** The trace files of a corpus: those expectations.json lists, or every *.json when it is absent. */
export function corpusTraces(dir: string): string[] {
  if (existsSync(join(dir, EXPECTATIONS_FILE))) {
    const e = readExpectations(dir);
    const files = new Set<string>();
    for (const row of e.configurations) for (const f of Object.values(row.traces)) files.add(f);
    return [...files].sort();
  }
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== EXPECTATIONS_FILE)
    .sort();
}

/** Replay every corpus trace of `v`'s base with `v` swapped in. */
export function replayCorpus(v: LoadedVariant, dir: string = PACKAGE_CORPUS_DIR, watch: readonly string[] = []): CorpusReplay {
  const files = corpusTraces(dir);
  const rows: CorpusReplayRow[] = [];
  const unreadable: { trace: string; reason: string }[] = [];
  let otherBase = 0;
  let componentUnused = 0;
  let flagsUnread = 0;
  for (const f of files) {
    let t;
    try {
      t = loadTraceFile(join(dir, f));
    } catch (e) {
      if (e instanceof TraceError) {
        unreadable.push({ trace: f, reason: e.message });
        continue;
      }
      throw e;
    }
    const own = t.config as unknown as Record<string, string | undefined>;
    if ((own[v.component] ?? DEFAULT_CONFIG[v.component]) !== v.base) {
      otherBase++;
      continue;
    }
    if (!(findScenario(t.config.scenario)?.components.includes(v.component) ?? true)) {
      componentUnused++;
      continue;
    }
    if (watch.length) {
      // The baseline's own replay never reads a flag the fix changes: the fix replays it step for step the same.
      const read = new Set<string>();
      replay(t, recordingFlags(replayConfig(t, {}), watch, read));
      if (read.size === 0) {
        flagsUnread++;
        continue;
      }
    }
    const r = replay(t, replayConfig(t, { [v.component]: v.id }));
    const outcome: CorpusOutcome = r.recordedViolatedAt !== null ? 'still violated' : r.refused.length ? 'cannot run' : 'fixed';
    const config: Record<string, string> = { scenario: t.config.scenario };
    for (const c of CONFIG_COMPONENTS) config[c] = own[c] ?? DEFAULT_CONFIG[c];
    rows.push({
      trace: f,
      config: config as unknown as Config,
      invariant: t.violation.invariant,
      kind: kindOf(t.violation.invariant),
      outcome,
      violatedAt: r.recordedViolatedAt ?? r.firstViolation?.n ?? null,
      violated: r.recordedViolatedAt !== null ? [t.violation.invariant] : (r.firstViolation?.violations.map((x) => x.invariant) ?? []),
      remains: r.everViolated.filter((e) => e.invariant !== t.violation.invariant).map((e) => ({ invariant: e.invariant, kind: kindOf(e.invariant), n: e.n })),
      refused: r.refused.map((x) => ({ n: x.n, action: actionText(x.action), reason: x.reason })),
      steps: t.actions.length,
    });
  }
  return { dir, total: files.length, otherBase, componentUnused, flagsUnread, rows, unreadable };
}
