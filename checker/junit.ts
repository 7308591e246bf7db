/**
 * JUnit XML of the model's verdicts, for CI systems that show test reports (GitLab's `artifacts: reports:
 * junit:`, Jenkins): one test case per configuration and invariant, grouped by scenario (the classname,
 * which GitLab shows as each case's suite, and one <testsuite> per scenario). A case fails exactly where the
 * verdict differs from the committed expectations (counterexamples/expectations.json); its failure text has
 * the shortest counterexample's steps and the commands that replay or reproduce it.
 *
 * The writer works from verdict cells (`VerdictCell`), built from the matrix's rows (`cellsFromMatrix`), a
 * single configuration's exclusion loop (`check --junit`) or the fuzz loop, never from printed text. The
 * output is deterministic (no timestamps, no durations): the same run gives the same file byte for byte.
 * The element and attribute set is that of Jenkins' junit-4.xsd (ci/junit/jenkins-junit-4.xsd, which the
 * tests validate against).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_COMPONENTS, resolveConfig, type Config } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { findScenario } from '../model/scenarios.ts';
import type { Action } from '../model/actions.ts';
import { execute, type TraceStep } from './run.ts';
import { formatSteps } from './format.ts';
import { loadTraceFile, canonicalConfig } from './trace.ts';
import type { MatrixRow } from './matrix.ts';
import type { ExhaustiveSet } from './exhaustive.ts';
import type { SearchParams } from './matrix.ts';

export type CellVerdict = 'holds' | 'violated';

/** One configuration x invariant as the model judged it. */
export interface VerdictCell {
  readonly config: Config;
  /** The matrix label (seed document or proposal), or '' */
  readonly label: string;
  readonly invariant: string;
  /** The random search's verdict, or null when the invariant was not searched (fuzz: already recorded). */
  readonly search: { readonly verdict: CellVerdict; readonly steps: readonly TraceStep[] | null; readonly params: SearchParams; readonly runsExecuted: number } | null;
  /** Breadth-first exploration, when it ran: violated with its shortest length, or not. */
  readonly explore?: { readonly violated: boolean; readonly steps: number | null; readonly actions: readonly Action[] | null; readonly complete: boolean };
}

/** What expectations.json records for one cell. */
export interface CellExpectation {
  readonly search: CellVerdict;
  /** Shortest length found by the matrix's exploration, or null when it found none; undefined when not recorded. */
  readonly explore?: number | null;
  /** The committed trace of the violation (file name relative to the corpus directory). */
  readonly trace?: string;
}

export interface ExpectationsLike {
  readonly search: { readonly seed: number; readonly runs: number; readonly maxSteps: number };
  readonly configurations: readonly {
    readonly config: Config;
    readonly verdicts: Readonly<Record<string, CellVerdict>>;
    readonly traces: Readonly<Record<string, string>>;
    readonly explore?: { readonly violated: Readonly<Record<string, number>> };
  }[];
}

function key(c: Config): string {
  return JSON.stringify(canonicalConfig(c));
}

/** Look up cells in expectations.json; a configuration it does not record is expected to hold everything. */
export function expectationLookup(e: ExpectationsLike | null): (config: Config, invariant: string) => CellExpectation | null {
  const rows = new Map((e?.configurations ?? []).map((r) => [key(r.config), r] as const));
  return (config, invariant) => {
    const r = rows.get(key(config));
    if (!r) return null;
    const v = r.verdicts[invariant];
    if (v === undefined) return null;
    const out: { search: CellVerdict; explore?: number | null; trace?: string } = { search: v };
    if (r.explore) out.explore = r.explore.violated[invariant] ?? null;
    const t = r.traces[invariant];
    if (t) out.trace = t;
    return out;
  };
}

/** The matrix's rows (and their explorations, when given) as cells, in row and INVARIANTS order. */
export function cellsFromMatrix(rows: readonly MatrixRow[], params: SearchParams, explored?: readonly ExhaustiveSet[]): VerdictCell[] {
  const out: VerdictCell[] = [];
  rows.forEach((r, i) => {
    const x = explored?.[i];
    const names = new Set([...r.violated.keys(), ...r.holds]);
    for (const inv of INVARIANTS) {
      if (!names.has(inv.name)) continue;
      const res = r.violated.get(inv.name);
      const found = x?.violated.find((v) => v.invariant === inv.name);
      const cell: VerdictCell = {
        config: r.config,
        label: r.label,
        invariant: inv.name,
        search: { verdict: res ? 'violated' : 'holds', steps: res?.steps ?? null, params, runsExecuted: res?.runsExecuted ?? r.result.runsExecuted },
        ...(x ? { explore: { violated: found !== undefined, steps: found?.steps ?? null, actions: found?.actions ?? null, complete: x.complete } } : {}),
      };
      out.push(cell);
    }
  });
  return out;
}

/** The components a scenario uses, as `guest fresh-pirq, qemu keep-pirqs, xen 4.12`: a stable case name. */
export function configName(c: Config): string {
  const used = findScenario(c.scenario)?.components ?? CONFIG_COMPONENTS;
  return CONFIG_COMPONENTS.filter((k) => used.includes(k))
    .map((k) => `${k} ${c[k]}`)
    .join(', ');
}

export function caseName(c: VerdictCell): string {
  return `${configName(c.config)}: ${c.invariant}`;
}

function flags(c: Config): string {
  return [`--scenario ${c.scenario}`, ...CONFIG_COMPONENTS.map((k) => `--${k} ${c[k]}`)].join(' ');
}

export interface JunitOptions {
  /** The directory holding the committed traces, as the reader should type it (default: counterexamples). */
  readonly corpusDir?: string;
  /** Where to read those traces from (default: corpusDir). */
  readonly corpusPath?: string;
  /** Name of the run: the <testsuites name>, e.g. "pirqcheck matrix". */
  readonly name: string;
  /** Added to each check command (e.g. `--variant-file my-fix.ts`). */
  readonly extraArgs?: string;
  /**
   * 'exact' (matrix, check): a case fails where the verdict differs from the expectation, either way.
   * 'new-violations' (fuzz, fresh seeds): a case fails only on a violation the expectations do not record.
   */
  readonly mode?: 'exact' | 'new-violations';
}

interface Judged {
  readonly cell: VerdictCell;
  readonly expected: CellExpectation | null;
  readonly failure: { readonly message: string; readonly text: string } | null;
  readonly skipped: string | null;
}

function describeModel(c: VerdictCell): string {
  const parts: string[] = [];
  if (c.search) parts.push(`search ${c.search.verdict}${c.search.steps ? ` (${c.search.steps.length} steps)` : ''}`);
  if (c.explore) parts.push(`exploration ${c.explore.violated ? `violated (shortest ${c.explore.steps} steps)` : c.explore.complete ? 'holds (complete graph)' : 'holds within its bound'}`);
  return parts.join(', ');
}

function describeExpected(e: CellExpectation | null): string {
  if (!e) return 'not recorded (expected to hold)';
  const parts = [`search ${e.search}`];
  if (e.explore !== undefined) parts.push(`exploration ${e.explore === null ? 'holds' : `violated (shortest ${e.explore} steps)`}`);
  return parts.join(', ');
}

function judge(cell: VerdictCell, expected: CellExpectation | null, o: JunitOptions): Judged {
  const corpusDir = o.corpusDir ?? 'counterexamples';
  const corpusPath = o.corpusPath ?? corpusDir;
  if (!cell.search && !cell.explore) {
    return { cell, expected, failure: null, skipped: `recorded as ${expected?.search ?? 'unknown'} in expectations.json; not searched again` };
  }
  const wantSearch: CellVerdict = expected?.search ?? 'holds';
  const searchDiffers = cell.search !== null && cell.search.verdict !== wantSearch;
  const wantExplore = expected?.explore;
  const exploreDiffers =
    cell.explore !== undefined && (wantExplore === undefined ? cell.explore.violated && wantSearch === 'holds' : cell.explore.violated !== (wantExplore !== null));
  // Fuzzing with fresh seeds: only a violation the corpus does not record is news; missing a recorded one is not.
  const newOnly = o.mode === 'new-violations';
  const fails = newOnly ? (cell.search?.verdict === 'violated' && wantSearch === 'holds') || (exploreDiffers && cell.explore!.violated) : searchDiffers || exploreDiffers;
  if (!fails) return { cell, expected, failure: null, skipped: null };
  const L: string[] = [`${cell.invariant} in ${configName(cell.config)}, scenario ${cell.config.scenario}${cell.label ? ` (${cell.label})` : ''}`];
  L.push(`model:    ${describeModel(cell)}`, `expected: ${describeExpected(expected)}`, '');
  const inv = `--invariant ${cell.invariant}`;
  const extra = o.extraArgs ? ` ${o.extraArgs}` : '';
  // The shortest counterexample the run has: exploration's (shortest by construction) or the search's.
  let steps: readonly TraceStep[] | null = null;
  let from = '';
  if (cell.explore?.violated && cell.explore.actions && (!cell.search?.steps || cell.explore.actions.length <= cell.search.steps.length)) {
    steps = execute(resolveConfig(cell.config), cell.explore.actions, INVARIANTS.filter((i) => i.name === cell.invariant)).steps;
    from = `shortest counterexample (breadth-first exploration, ${steps.length} steps):`;
  } else if (cell.search?.steps) {
    steps = cell.search.steps;
    from = `counterexample (random search, shrunk to ${steps.length} steps):`;
  }
  if (steps) {
    L.push(from, ...formatSteps(steps), '');
  } else if (expected?.trace && existsSync(join(corpusPath, expected.trace))) {
    const t = loadTraceFile(join(corpusPath, expected.trace));
    L.push(`the recorded counterexample (${t.steps.length} steps), which no longer violates ${cell.invariant} in this run:`);
    for (const s of t.steps) L.push(`  ${String(s.n).padStart(String(t.steps.length).length)}  ${s.component.padEnd(6)} ${s.action}(${s.args})${s.device ? ' ' + s.device : ''}${s.result ? `  → ${s.result}` : ''}`);
    L.push('');
  }
  if (expected?.trace) L.push(`replay the recorded trace: pirqcheck replay ${corpusDir}/${expected.trace}`);
  if (cell.search) {
    const p = cell.search.params;
    L.push(`reproduce the search:     pirqcheck check ${flags(cell.config)} ${inv} --seed ${p.seed} --runs ${p.runs} --max-steps ${p.maxSteps}${extra}`);
  }
  if (cell.explore?.violated) L.push(`shortest by exploration:  pirqcheck explore ${flags(cell.config)} ${inv} --depth ${cell.explore.steps}${extra}`);
  const message = newOnly
    ? `violation expectations.json does not record: ${describeModel(cell)}`
    : `verdict differs from expectations.json: ${describeModel(cell)}; expected ${describeExpected(expected)}`;
  return { cell, expected, failure: { message, text: L.join('\n') }, skipped: null };
}

/** XML 1.0 text: escape markup, drop characters XML cannot carry (and terminal colour codes). */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export interface JunitSummary {
  readonly tests: number;
  readonly failures: number;
  readonly skipped: number;
}

/** The JUnit document: <testsuites> with one <testsuite> per scenario, one <testcase> per cell. */
export function junitXml(cells: readonly VerdictCell[], expectations: ExpectationsLike | null, o: JunitOptions): { xml: string; summary: JunitSummary } {
  const lookup = expectationLookup(expectations);
  const judged = cells.map((c) => judge(c, lookup(c.config, c.invariant), o));
  const byScenario = new Map<string, Judged[]>();
  for (const j of judged) byScenario.set(j.cell.config.scenario, [...(byScenario.get(j.cell.config.scenario) ?? []), j]);
  const failures = judged.filter((j) => j.failure).length;
  const skipped = judged.filter((j) => j.skipped).length;
  const L: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  L.push(`<testsuites name="${xmlEscape(o.name)}" tests="${judged.length}" failures="${failures}" errors="0">`);
  let id = 0;
  for (const [scenario, js] of byScenario) {
    const f = js.filter((j) => j.failure).length;
    const s = js.filter((j) => j.skipped).length;
    L.push(`  <testsuite name="${xmlEscape(scenario)}" id="${id++}" package="pirqcheck" tests="${js.length}" failures="${f}" errors="0" skipped="${s}">`);
    const p = js.find((j) => j.cell.search)?.cell.search?.params;
    L.push('    <properties>');
    L.push(`      <property name="scenario" value="${xmlEscape(scenario)}"/>`);
    if (p) L.push(`      <property name="search" value="seed ${p.seed}, ${p.runs} runs, up to ${p.maxSteps} steps"/>`);
    if (expectations) L.push(`      <property name="expectations" value="seed ${expectations.search.seed}, ${expectations.search.runs} runs, up to ${expectations.search.maxSteps} steps"/>`);
    L.push('    </properties>');
    for (const j of js) {
      const open = `    <testcase classname="${xmlEscape(scenario)}" name="${xmlEscape(caseName(j.cell))}"`;
      if (!j.failure && !j.skipped) {
        L.push(`${open}/>`);
        continue;
      }
      L.push(`${open}>`);
      if (j.skipped) L.push(`      <skipped>${xmlEscape(j.skipped)}</skipped>`);
      if (j.failure) L.push(`      <failure type="verdict" message="${xmlEscape(j.failure.message)}">${xmlEscape(j.failure.text)}</failure>`);
      L.push('    </testcase>');
    }
    L.push('  </testsuite>');
  }
  L.push('</testsuites>', '');
  return { xml: L.join('\n'), summary: { tests: judged.length, failures, skipped } };
}
