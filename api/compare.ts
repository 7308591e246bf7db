/**
 * What a fix changes: every relevant configuration searched twice, once with the baseline variant and
 * once with the fix swapped in, and the invariants violated by each compared.
 */
import { CONFIG_COMPONENTS, DEFAULT_CONFIG, resolveConfig, type Config } from '../model/config.ts';
import { INVARIANTS, type Invariant } from '../model/invariants.ts';
import { SCENARIOS } from '../model/scenarios.ts';
import { DEFAULT_FLAGS, variantsOf, type VariantComponent } from '../model/variants.ts';
import { search, type SearchResult } from '../checker/search.ts';
import type { LoadedVariant } from './load.ts';

export interface SearchBudget {
  readonly seed: number;
  readonly runs: number;
  readonly maxSteps: number;
}

/** The invariants a configuration violates within the budget, each with the search that found it. */
export function violatedInvariants(config: Config, invs: readonly Invariant[], b: SearchBudget): Map<string, SearchResult> {
  const r = resolveConfig(config);
  const found = new Map<string, SearchResult>();
  let left = [...invs];
  while (left.length > 0) {
    const res = search(r, { seed: b.seed, runs: b.runs, maxSteps: b.maxSteps, invariants: left });
    if (res.verdict === 'holds' || !res.violation) break;
    const hit = new Set([res.violation.invariant, ...res.alsoViolated]);
    for (const n of hit) if (!found.has(n)) found.set(n, res);
    const before = left.length;
    left = left.filter((i) => !hit.has(i.name));
    if (left.length === before) break;
  }
  return found;
}

export type Change = 'FIXES' | 'BREAKS' | 'still violated' | 'holds';

export interface CompareRow {
  readonly baseline: Config;
  readonly fix: Config;
  readonly invariant: string;
  readonly before: 'holds' | 'violated';
  readonly after: 'holds' | 'violated';
  readonly change: Change;
  /** The search that found the fix's violation, for BREAKS and still-violated rows. */
  readonly fixResult: SearchResult | undefined;
}

export interface Comparison {
  readonly variant: LoadedVariant;
  readonly rows: readonly CompareRow[];
  readonly configs: number;
}

/**
 * The configurations a fix of `component` is compared in: every scenario whose `components` include it,
 * with every built-in variant of each other component that scenario uses, unless pinned in `pinned`.
 * A component a scenario does not use changes nothing there (Scenario.components), so it stays at its
 * default variant instead of multiplying identical searches.
 */
export function comparisonConfigs(component: VariantComponent, pinned: Partial<Record<string, string>>, builtIn: (c: VariantComponent, id: string) => boolean): Config[] {
  const out: Config[] = [];
  for (const s of SCENARIOS) {
    if (pinned['scenario'] !== undefined && s.id !== pinned['scenario']) continue;
    if (!s.components.includes(component)) continue;
    let partial: Record<string, string>[] = [{ scenario: s.id }];
    for (const c of CONFIG_COMPONENTS) {
      const choices =
        c === component
          ? ['']
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

export function compareVariant(v: LoadedVariant, configs: readonly Config[], b: SearchBudget, onConfig?: (i: number, n: number) => void): Comparison {
  const rows: CompareRow[] = [];
  configs.forEach((cfg, i) => {
    onConfig?.(i, configs.length);
    const baseline = { ...cfg, [v.component]: v.base } as Config;
    const fix = { ...cfg, [v.component]: v.id } as Config;
    const before = violatedInvariants(baseline, INVARIANTS, b);
    const after = violatedInvariants(fix, INVARIANTS, b);
    for (const inv of INVARIANTS) {
      const bv = before.has(inv.name) ? 'violated' : 'holds';
      const av = after.has(inv.name) ? 'violated' : 'holds';
      const change: Change = bv === av ? (av === 'violated' ? 'still violated' : 'holds') : av === 'violated' ? 'BREAKS' : 'FIXES';
      rows.push({ baseline, fix, invariant: inv.name, before: bv, after: av, change, fixResult: after.get(inv.name) });
    }
  });
  return { variant: v, rows, configs: configs.length };
}
