/**
 * The exclusion loop of the matrix has exactly the power of one search per invariant: on a configuration
 * with several violated invariants, every verdict and every counterexample equals that of a search of the
 * invariant alone. (The corpus test checks the same for every matrix configuration against the committed
 * per-invariant traces.)
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, type Config } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { search } from './search.ts';
import { exhaustiveSets, takeOrder } from './exhaustive.ts';
import { matrixEntries, matrixJson, matrixRow, matrixRowJson, narrowedSearch, runMatrixParallel, searchVerdict, violatedSet } from './matrix.ts';

const config: Config = { ...DEFAULT_CONFIG, scenario: 'nvme-msi-hvm', guest: 'reuse-pirq-live', qemu: 'keep-pirqs', xen: '4.12' };
const p = { seed: 1, runs: 60, maxSteps: 40 };

describe(`exclusion loop = one search per invariant (${Object.values(config).join(' ')}, seed ${p.seed}, ${p.runs} runs)`, () => {
  it('same verdicts and byte-identical counterexamples', () => {
    const set = violatedSet(config, INVARIANTS, p);
    expect(set.violated.size).toBeGreaterThan(1);
    expect(set.searches).toBe(set.violated.size + 1);
    const r = resolveConfig(config);
    for (const inv of INVARIANTS) {
      const alone = search(r, { ...p, invariants: [inv] });
      const got = set.violated.get(inv.name);
      expect(got ? 'violated' : 'holds', inv.name).toBe(alone.verdict);
      if (got) {
        expect(JSON.stringify(got.steps), inv.name).toBe(JSON.stringify(alone.steps));
        expect(got.alsoViolated).toEqual(alone.alsoViolated);
        expect(got.runsExecuted).toBe(alone.runsExecuted);
        expect(got.violation).toEqual(alone.violation);
      }
    }
  });
  it('a matrix row and its JSON name every violated invariant with its shrunk length, and the rest as holding', () => {
    const row = matrixRow({ config, label: 'test row' }, p);
    const j = matrixRowJson(row);
    expect(j.label).toBe('test row');
    expect(j.verdict).toBe('violated');
    expect(j.violatedInvariants.map((v) => v.invariant)).toEqual([...row.violated.keys()]);
    for (const v of j.violatedInvariants) expect(v.steps).toBe(row.violated.get(v.invariant)!.steps!.length);
    expect([...j.violatedInvariants.map((v) => v.invariant), ...j.holdingInvariants].sort()).toEqual(INVARIANTS.map((i) => i.name).sort());
  });
});

describe('searchVerdict: the verdict of search() without the shrinking', () => {
  it.each([
    ['violated', config],
    ['holds', { ...config, guest: 'fresh-pirq', qemu: 'unmap-on-disable' }],
  ] as const)('%s: same verdict, same first failing run and invariant as the full search', (_v, c) => {
    const r = resolveConfig(c);
    const full = narrowedSearch(r, INVARIANTS, p);
    const quick = searchVerdict(r, INVARIANTS, p);
    expect(quick.verdict).toBe(full.verdict);
    expect(quick.runsExecuted).toBe(full.runsExecuted);
    expect(quick.invariant).toBe(full.violation?.invariant ?? null);
  });
});

describe('the parallel matrix', () => {
  it('gives the same rows as the sequential one, in the same order (two rows, 20 runs per search)', async () => {
    const p = { seed: 1, runs: 20, maxSteps: 40 };
    const entries = matrixEntries();
    // The last proposal row (violated), then a row that holds.
    const only = [entries.length - 1, 0];
    const seq = only.map((i) => matrixRow(entries[i]!, p));
    const par = await runMatrixParallel({ ...p, workers: 2, only });
    expect(par.map((r) => r.label)).toEqual(only.map((i) => entries[i]!.label));
    expect(JSON.stringify(matrixJson(par))).toBe(JSON.stringify(matrixJson(seq)));
  });
});

describe('the exhaustive side on threads', () => {
  it('takes the largest scenarios first, in matrix order within a scenario weight, and gives the results in matrix order', async () => {
    const cs = matrixEntries().map((e) => e.config);
    const order = takeOrder(cs);
    expect([...order].sort((a, b) => a - b)).toEqual(cs.map((_, i) => i));
    expect(cs[order[0]!]!.scenario).toBe('hostile-hvm');
    const firstSmall = order.findIndex((i) => !['hostile-hvm', 'nvme-hvm', 'nvme-hvm-vmsi', 'handover-hvm'].includes(cs[i]!.scenario));
    expect(order.slice(firstSmall)).toEqual([...order.slice(firstSmall)].sort((a, b) => a - b));
    // Three small rows, the last one of a heavier scenario: the results come back in the order asked.
    const few = [cs.findIndex((c) => c.scenario === 'igbvf-pv'), cs.findIndex((c) => c.scenario === 'reboot-hvm'), cs.findIndex((c) => c.scenario === 'handover-hvm')].map((i) => cs[i]!);
    const budget = { depth: Infinity, maxStates: 2000 };
    const par = await exhaustiveSets(few, INVARIANTS, { budget, workers: 2 });
    const seq = await exhaustiveSets(few, INVARIANTS, { budget, workers: 1 });
    expect(par).toEqual(seq);
    expect(par.map((x) => x.complete)).toEqual([true, true, false]);
  });
});
