import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INVARIANTS } from '../model/invariants.ts';
import { exitFor, outcomeOf, rowVerdict } from './outcome.ts';
import { readExpectations, CORPUS_DIR } from '../counterexamples/corpus.ts';

const ROOT = join(import.meta.dirname, '..');

describe('invariant kinds', () => {
  it('every invariant has a kind and a why that cites the real code (path:function @tag)', () => {
    for (const i of INVARIANTS) {
      expect(['failure', 'hazard']).toContain(i.kind);
      expect(i.why, i.name).toMatch(/[a-z0-9_/.-]+\.[ch]:[A-Za-z_]+ @\S+|[a-z0-9_/.-]+\.[ch] @\S+/);
    }
  });
  it('both kinds exist, and every hazard says what it leads to, naming corpus traces that exist', () => {
    expect(INVARIANTS.some((i) => i.kind === 'failure')).toBe(true);
    for (const i of INVARIANTS.filter((x) => x.kind === 'hazard')) {
      expect(i.leadsTo, i.name).toBeTruthy();
      for (const f of i.leadsTo!.match(/counterexamples\/[A-Za-z0-9.-]+\.json/g) ?? []) expect(existsSync(join(ROOT, f)), f).toBe(true);
    }
  });
  it('every invariant is violated in some corpus configuration, failures included', () => {
    const exp = readExpectations(join(ROOT, CORPUS_DIR));
    for (const i of INVARIANTS) {
      const hit = exp.configurations.some((c) => c.verdicts[i.name] === 'violated' || (c.explore?.violated[i.name] ?? 0) > 0);
      expect(hit, i.name).toBe(true);
    }
  });
});

describe('row verdicts', () => {
  it('fails when a failure is violated, hazard when only hazards are, holds otherwise', () => {
    expect(outcomeOf(['clean-handover', 'enabled-vector-delivers'])).toBe('fails');
    expect(outcomeOf(['clean-handover', 'no-stuck-pirq'])).toBe('hazard');
    expect(outcomeOf([])).toBe('holds');
  });
  it('rowVerdict takes the shorter of search and exploration and says which engine found it', () => {
    const v = rowVerdict(new Map([['clean-handover', 5]]), new Map([['clean-handover', 5], ['enabled-vector-delivers', 9]]), true);
    expect(v).toMatchObject({ outcome: 'fails', proved: true });
    expect(v.failures).toEqual([{ invariant: 'enabled-vector-delivers', kind: 'failure', steps: 9, by: 'explore' }]);
    expect(v.hazards).toEqual([{ invariant: 'clean-handover', kind: 'hazard', steps: 5, by: 'search' }]);
    expect(rowVerdict(new Map(), new Map(), false)).toMatchObject({ outcome: 'holds', proved: false });
  });
  it('exit status: 1 for a failure; a hazard only with --fail-on hazard', () => {
    expect(exitFor('fails', 'failure')).toBe(1);
    expect(exitFor('hazard', 'failure')).toBe(0);
    expect(exitFor('hazard', 'hazard')).toBe(1);
    expect(exitFor('holds', 'hazard')).toBe(0);
  });
});
