/**
 * The regression corpus: for every configuration of the matrix and every invariant, a verdict with the
 * power of a search of that invariant alone (pinned seed, runs and length); every violation is kept as a
 * trace and a report. The verdicts come from the matrix's exclusion loop (checker/matrix.ts violatedSet),
 * whose counterexamples are byte-identical to those of one search per invariant, at a fraction of the
 * cost. `expectations.json` records all verdicts; the corpus test holds reality to them in both directions.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../model/config.ts';
import { resolveConfig } from '../model/config.ts';
import { INVARIANTS, type Invariant } from '../model/invariants.ts';
import { matrixEntries, violatedSet } from '../checker/matrix.ts';
import { search } from '../checker/search.ts';
import { canonicalConfig, serializeTrace, traceFromSearch, type Trace } from '../checker/trace.ts';
import { markdownReport, traceName, type ReportOptions } from '../checker/report.ts';
import { reproScript } from '../checker/repro.ts';
import { findScenario } from '../model/scenarios.ts';
import { exhaustiveSet, CORPUS_BUDGET } from '../checker/exhaustive.ts';

export const CORPUS_DIR = 'counterexamples';
export const EXPECTATIONS_FILE = 'expectations.json';
/** Pinned search parameters of the corpus. */
export const CORPUS_SEARCH = { seed: 1, runs: 300, maxSteps: 40 } as const;

export type Verdict = 'holds' | 'violated';

/** The scenarios whose corpus traces get a committed `pirqcheck repro` script: those a host drives step by step. */
export function hasReproScript(t: Trace): boolean {
  return findScenario(t.config.scenario)?.lifecycle !== undefined;
}

/** The report options of a corpus trace `<base>.json`: its path from the repository root, its repro script, the docs. */
export function corpusReportOptions(t: Trace, base: string): ReportOptions {
  return {
    tracePath: `${CORPUS_DIR}/${base}.json`,
    invariantsDoc: '../docs/invariants.md',
    ...(hasReproScript(t) ? { reproPath: `${base}.repro.sh` } : {}),
  };
}

export interface ExpectationRow {
  readonly config: Config;
  /** Which seed document or proposal the configuration is (the matrix's label). */
  readonly label: string;
  /** Invariant name -> verdict of a search of this configuration with that invariant alone. */
  readonly verdicts: Readonly<Record<string, Verdict>>;
  /** Invariant name -> trace file (relative to counterexamples/), for each violated invariant. */
  readonly traces: Readonly<Record<string, string>>;
  /** The exhaustive side (checker/exhaustive.ts): breadth-first exploration with the same exclusion loop. */
  readonly explore?: ExploreExpectation;
}

export interface ExploreExpectation {
  readonly budget: { readonly depth: number; readonly maxStates: number };
  /** Every reachable state was checked (a proof within the model); otherwise a bound. */
  readonly complete: boolean;
  /** Distinct states of the exploration over the invariants that hold, and the deepest level it reached. */
  readonly states: number;
  readonly depth: number;
  /** Invariant name -> length of its shortest counterexample, for every invariant some explored state violates. */
  readonly violated: Readonly<Record<string, number>>;
}

/** The exploration of one configuration, as expectations.json records it. */
export async function exploreExpectation(config: Config): Promise<ExploreExpectation> {
  const x = await exhaustiveSet(config, INVARIANTS, CORPUS_BUDGET);
  const violated: Record<string, number> = {};
  for (const inv of INVARIANTS) {
    const v = x.violated.find((y) => y.invariant === inv.name);
    if (v) violated[inv.name] = v.steps;
  }
  return { budget: { depth: CORPUS_BUDGET.depth, maxStates: CORPUS_BUDGET.maxStates }, complete: x.complete, states: x.states, depth: x.depth, violated };
}

/** The corpus with every configuration's exploration added. */
export async function withExploration(c: Corpus): Promise<Corpus> {
  const configurations: ExpectationRow[] = [];
  for (const row of c.expectations.configurations) configurations.push({ ...row, explore: await exploreExpectation(row.config) });
  return { ...c, expectations: { ...c.expectations, configurations } };
}

export interface Expectations {
  readonly format: 'pirqcheck-expectations';
  readonly version: 1;
  readonly search: { readonly seed: number; readonly runs: number; readonly maxSteps: number };
  readonly invariants: readonly string[];
  readonly configurations: readonly ExpectationRow[];
}

export function configKey(c: Config): string {
  return JSON.stringify(canonicalConfig(c));
}

/** One cell: search `config` for a violation of `inv` alone (the reference the exclusion loop matches). */
export function cell(config: Config, inv: Invariant, o: { seed: number; runs: number; maxSteps: number } = CORPUS_SEARCH): { verdict: Verdict; trace: Trace | null } {
  const res = search(resolveConfig(config), { seed: o.seed, runs: o.runs, maxSteps: o.maxSteps, invariants: [inv] });
  const trace = traceFromSearch(config, res, { maxSteps: o.maxSteps, invariants: [inv.name] });
  return { verdict: res.verdict, trace };
}

export interface Corpus {
  readonly expectations: Expectations;
  /** File name -> contents, for every trace and report. */
  readonly files: ReadonlyMap<string, string>;
}

/** Compute the whole corpus in memory: deterministic for a given model. */
export function buildCorpus(onCell?: (config: Config, inv: string, verdict: Verdict) => void): Corpus {
  const files = new Map<string, string>();
  const rows: ExpectationRow[] = [];
  for (const { config, label } of matrixEntries()) {
    const set = violatedSet(config, INVARIANTS, CORPUS_SEARCH);
    const verdicts: Record<string, Verdict> = {};
    const traces: Record<string, string> = {};
    for (const inv of INVARIANTS) {
      const res = set.violated.get(inv.name);
      const verdict: Verdict = res ? 'violated' : 'holds';
      verdicts[inv.name] = verdict;
      onCell?.(config, inv.name, verdict);
      const trace = res ? traceFromSearch(config, res, { maxSteps: CORPUS_SEARCH.maxSteps, invariants: [inv.name] }) : null;
      if (trace) {
        const base = traceName(trace);
        files.set(`${base}.json`, serializeTrace(trace));
        files.set(`${base}.md`, markdownReport(trace, corpusReportOptions(trace, base)));
        if (hasReproScript(trace)) files.set(`${base}.repro.sh`, reproScript(trace, { tracePath: `${CORPUS_DIR}/${base}.json` }));
        traces[inv.name] = `${base}.json`;
      }
    }
    rows.push({ config: canonicalConfig(config), label, verdicts, traces });
  }
  const expectations: Expectations = {
    format: 'pirqcheck-expectations',
    version: 1,
    search: { ...CORPUS_SEARCH },
    invariants: INVARIANTS.map((i) => i.name),
    configurations: rows,
  };
  return { expectations, files };
}

export function serializeExpectations(e: Expectations): string {
  return JSON.stringify(e, null, 2) + '\n';
}

export function readExpectations(dir: string): Expectations {
  return JSON.parse(readFileSync(join(dir, EXPECTATIONS_FILE), 'utf8')) as Expectations;
}

/** The committed trace files of the corpus (every .json but expectations.json), sorted. */
export function corpusTraceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== EXPECTATIONS_FILE)
    .sort();
}

/**
 * Write the corpus into `dir`: every trace and report, expectations.json, and remove traces (and their
 * reports) that the model no longer produces.
 */
export function writeCorpus(dir: string, c: Corpus): { written: number; removed: string[] } {
  const removed: string[] = [];
  for (const f of corpusTraceFiles(dir)) {
    if (!c.files.has(f)) {
      rmSync(join(dir, f));
      removed.push(f);
      for (const other of [f.replace(/\.json$/, '.md'), f.replace(/\.json$/, '.repro.sh')]) {
        if (existsSync(join(dir, other)) && !c.files.has(other)) {
          rmSync(join(dir, other));
          removed.push(other);
        }
      }
    }
  }
  for (const [name, text] of [...c.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) writeFileSync(join(dir, name), text, name.endsWith('.sh') ? { mode: 0o755 } : {});
  writeFileSync(join(dir, EXPECTATIONS_FILE), serializeExpectations(c.expectations));
  return { written: c.files.size + 1, removed };
}
