/**
 * `pirqcheck explore` reports a failure before a hazard (cli/commands/explore.ts `failuresFirst`): its result must be
 * the one of the definition, the failures explored alone and then, when none is violated, the hazards alone; with
 * one exploration instead of two when nothing is violated.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, type Config } from '../model/config.ts';
import { INVARIANTS, type Invariant } from '../model/invariants.ts';
import { explore, type ExploreResult } from '../checker/explore.ts';
import { failuresFirst } from './commands/explore.ts';

/** The definition: failures alone; the hazards alone only if no failure is violated. */
async function definition(invs: readonly Invariant[], run: (only: readonly Invariant[]) => Promise<ExploreResult>) {
  const failures = invs.filter((i) => i.kind === 'failure');
  const hazards = invs.filter((i) => i.kind === 'hazard');
  const first = await run(failures.length ? failures : hazards);
  let res = first;
  let proved = first.verdict === 'holds' && first.complete;
  if (first.verdict !== 'violated' && failures.length && hazards.length) {
    const h = await run(hazards);
    if (h.verdict === 'violated') res = h;
    else proved &&= h.verdict === 'holds' && h.complete;
  }
  return { res, first, proved };
}

/** What the command prints of a result (its time left out). */
function shown(x: { res: ExploreResult; first: ExploreResult; proved: boolean }) {
  const { res, first, proved } = x;
  return {
    verdict: res.verdict,
    complete: res.complete,
    summary: res.summary,
    violation: res.violation,
    alsoViolated: res.alsoViolated,
    actions: res.actions,
    states: res.stats.distinctStates,
    transitions: res.stats.transitions,
    depth: res.stats.depthReached,
    first: { states: first.stats.distinctStates, depth: first.stats.depthReached, verdict: first.verdict },
    proved,
  };
}

const base = { ...DEFAULT_CONFIG, guest: 'fresh-pirq', qemu: 'unmap-on-disable' } as Config;
const cases: { what: string; config: Config; depth?: number; passes: number }[] = [
  { what: 'nothing violated (complete graph)', config: { ...base, scenario: 'nvme-msi-hvm', xen: '4.12' }, passes: 1 },
  { what: 'nothing violated within the bound', config: { ...base, scenario: 'nvme-hvm', xen: '4.12' }, depth: 8, passes: 1 },
  { what: 'a failure first', config: { ...base, scenario: 'igbvf-pv', xen: '4.12', dom0: 'xen-2.6.18' }, passes: 2 },
  { what: 'a hazard first, a failure further on', config: { ...base, scenario: 'igbvf-pv', xen: 'xen-3.4', dom0: 'xen-2.6.18' }, passes: 2 },
  { what: 'a hazard, no failure reachable', config: { ...base, scenario: 'igbvf-pv', xen: '4.13', dom0: 'pvops-7681f31e' }, passes: 2 },
];

describe('explore: a failure before a hazard', () => {
  for (const c of cases)
    it(`${c.what}: the result of failures-then-hazards, in ${c.passes} exploration(s)`, async () => {
      const r = resolveConfig(c.config);
      const run = (only: readonly Invariant[]) => explore(r, { ...(c.depth !== undefined ? { depth: c.depth } : {}), maxStates: 100_000, invariants: only });
      let passes = 0;
      const got = await failuresFirst(INVARIANTS, (only) => (passes++, run(only)));
      expect(passes).toBe(c.passes);
      const want = await definition(INVARIANTS, run);
      expect(shown(got)).toEqual(shown(want));
    });

  it('the cases cover every branch: a failure, a hazard after which a failure is reachable, a hazard alone, none', async () => {
    const kinds: string[] = [];
    for (const c of cases.slice(2)) {
      const r = resolveConfig(c.config);
      const all = await explore(r, { maxStates: 100_000, invariants: INVARIANTS });
      const failures = await explore(r, { maxStates: 100_000, invariants: INVARIANTS.filter((i) => i.kind === 'failure') });
      const firstKind = INVARIANTS.find((i) => i.name === all.violation?.invariant)?.kind;
      kinds.push(`${firstKind}:${failures.verdict}`);
    }
    expect(kinds).toEqual(['failure:violated', 'hazard:violated', 'hazard:holds']);
  });
});
