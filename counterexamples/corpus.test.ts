/**
 * The regression corpus as CI sees it:
 * - every committed trace replays through step() alone and violates its recorded invariant at its recorded
 *   step (the exit-1 semantics of `pirqcheck replay`), making the same calls it recorded;
 * - expectations.json covers exactly the matrix configurations and the model's invariants, and names
 *   exactly the committed traces;
 * - every (configuration, invariant) cell is searched again with the corpus's pinned seed and run count and
 *   must give the recorded verdict, in both directions (a new violation fails, a vanished one fails too),
 *   with the recorded counterexample byte for byte. Per configuration this is the matrix's exclusion loop
 *   (checker/matrix.ts violatedSet), not one search per cell: one search of all invariants, again without
 *   each one found violated, and a last one over the rest, which must be exactly the invariants recorded
 *   as holding. That has the power of one search per cell (the same runs; see checker/matrix.ts) at
 *   (violated + 1) searches per configuration instead of 19;
 *   PIRQCHECK_CORPUS_STRIDE=k re-checks only every k-th configuration, for quick local runs (CI leaves it unset);
 * - the seed 001 combinations the seed calls correct replay every trace of that scenario with exit 0.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INVARIANTS } from '../model/invariants.ts';
import { findScenario } from '../model/scenarios.ts';
import { matrixEntries, violatedSet } from '../checker/matrix.ts';
import { loadTraceFile, serializeTrace, traceFromSearch } from '../checker/trace.ts';
import { replay, replayConfig, replayExitCode } from '../checker/replay.ts';
import { markdownReport, traceName } from '../checker/report.ts';
import { CORPUS_DIR, configKey, corpusReportOptions, corpusTraceFiles, exploreExpectation, hasReproScript, readExpectations } from './corpus.ts';
import { reproScript } from '../checker/repro.ts';
import { CORPUS_BUDGET } from '../checker/exhaustive.ts';

const dir = dirname(fileURLToPath(import.meta.url));
const exp = readExpectations(dir);
const files = corpusTraceFiles(dir);

describe('committed traces replay to their recorded violation', () => {
  it('the corpus is not empty', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  it.each(files)('%s', (f) => {
    const t = loadTraceFile(join(dir, f));
    expect(`${traceName(t)}.json`).toBe(f);
    const r = replay(t, replayConfig(t, {}));
    expect(replayExitCode(r)).toBe(1);
    expect(r.refused).toEqual([]);
    expect(r.recordedViolatedAt).toBe(t.violation.step);
    expect(r.divergedAt).toBeNull();
    const md = f.replace(/\.json$/, '.md');
    expect(existsSync(join(dir, md))).toBe(true);
    const text = readFileSync(join(dir, md), 'utf8');
    expect(text).toBe(markdownReport(t, corpusReportOptions(t, f.replace(/\.json$/, ''))));
    const sh = f.replace(/\.json$/, '.repro.sh');
    if (hasReproScript(t)) {
      expect(readFileSync(join(dir, sh), 'utf8')).toBe(reproScript(t, { tracePath: `${CORPUS_DIR}/${f}` }));
      expect(text).toContain(`[${sh}](${sh})`);
    } else expect(existsSync(join(dir, sh))).toBe(false);
    expect(text).toContain(`[State changed at step ${t.violation.step}]`);
  });
});

describe('expectations.json matches the model', () => {
  it('lists every invariant of the model', () => {
    expect(exp.invariants).toEqual(INVARIANTS.map((i) => i.name));
  });
  it('lists exactly the matrix configurations, in order, with their labels', () => {
    expect(exp.configurations.map((r) => configKey(r.config))).toEqual(matrixEntries().map((e) => configKey(e.config)));
    expect(exp.configurations.map((r) => r.label)).toEqual(matrixEntries().map((e) => e.label));
  });
  it('names exactly the committed traces, one per violated cell', () => {
    const named = exp.configurations.flatMap((r) => Object.values(r.traces)).sort();
    expect(named).toEqual(files);
    for (const r of exp.configurations) {
      const violated = Object.entries(r.verdicts).filter(([, v]) => v === 'violated').map(([k]) => k).sort();
      expect(Object.keys(r.traces).sort()).toEqual(violated);
    }
  });
});

const stride = Math.max(1, Number(process.env['PIRQCHECK_CORPUS_STRIDE'] ?? '1') || 1);
const rechecked = exp.configurations.filter((_r, i) => i % stride === 0);

describe(`matrix verdicts per invariant (seed ${exp.search.seed}, ${exp.search.runs} runs, up to ${exp.search.maxSteps} steps, ${rechecked.length} of ${exp.configurations.length} configurations)`, () => {
  it.each(rechecked.map((r) => [Object.values(r.config).join(' '), r] as const))('%s', (_label, row) => {
    const set = violatedSet(row.config, INVARIANTS, exp.search);
    const expectViolated = INVARIANTS.map((i) => i.name).filter((n) => row.verdicts[n] === 'violated');
    const expectHolds = INVARIANTS.map((i) => i.name).filter((n) => row.verdicts[n] === 'holds');
    // A vanished violation shows up in `holds`, a new one in `violated`.
    expect([...set.violated.keys()].sort(), 'violated invariants').toEqual([...expectViolated].sort());
    expect(set.holds, 'invariants that hold (one search over all of them)').toEqual(expectHolds);
    expect(set.searches).toBe(expectViolated.length + (expectHolds.length > 0 ? 1 : 0));
    for (const [name, res] of set.violated) {
      const file = row.traces[name]!;
      const trace = traceFromSearch(row.config, res, { maxSteps: exp.search.maxSteps, invariants: [name] })!;
      expect(serializeTrace(trace), `${file} is out of date: npm run corpus`).toBe(readFileSync(join(dir, file), 'utf8'));
    }
  });
});

describe(`exhaustive exploration per configuration (up to ${CORPUS_BUDGET.maxStates} states, depth ${CORPUS_BUDGET.depth}), ${rechecked.length} of ${exp.configurations.length} configurations`, () => {
  it.each(rechecked.map((r) => [Object.values(r.config).join(' '), r] as const))('%s', async (_label, row) => {
    expect(row.explore, 'expectations.json has no exploration: npm run corpus').toBeDefined();
    const x = await exploreExpectation(row.config);
    expect(x, 'exploration out of date: npm run corpus').toEqual(row.explore);
    // The two engines cross-check each other: when the whole reachable graph was explored, nothing the
    // random search found can be missing from it (the search only takes enabled actions from the same start).
    if (x.complete) {
      const searchViolated = Object.entries(row.verdicts).filter(([, v]) => v === 'violated').map(([k]) => k);
      for (const n of searchViolated) expect(Object.keys(x.violated), `${n}: found by search, absent from the complete graph`).toContain(n);
      // And a shortest counterexample is never longer than the search's shrunk one.
      for (const n of searchViolated) {
        const t = loadTraceFile(join(dir, row.traces[n]!));
        expect(x.violated[n]!).toBeLessThanOrEqual(t.steps.length);
      }
    }
  });
});

describe('seed 001: the combinations the seed calls correct replay every recorded bug with exit 0', () => {
  // LP #1657489: (1) QEMU without c976437c and a guest that reuses the cached pirq, (4) QEMU with c976437c and
  // a guest that always asks for a fresh pirq.
  const correct = [
    { guest: 'reuse-pirq', qemu: 'keep-pirqs' },
    { guest: 'fresh-pirq', qemu: 'unmap-on-disable' },
  ];
  // Seed 001's claim is about the driver's own enable/disable sequence; hostile-hvm's setpci (guest user space
  // clearing ENABLE under requested vectors) breaks the guest's own interrupts in every combination.
  const seed001 = files.filter((f) => {
    const sc = findScenario(loadTraceFile(join(dir, f)).config.scenario);
    return sc?.seeds.includes('001') && !sc.hostileConfigWrites;
  });
  it('there are seed 001 traces', () => {
    expect(seed001.length).toBeGreaterThan(0);
  });
  for (const fix of correct) {
    it.each(seed001)(`%s with --guest ${fix.guest} --qemu ${fix.qemu}`, (f) => {
      const t = loadTraceFile(join(dir, f));
      const r = replay(t, replayConfig(t, fix));
      expect(r.refused).toEqual([]);
      expect(r.firstViolation).toBeNull();
      expect(replayExitCode(r)).toBe(0);
    });
  }
});
