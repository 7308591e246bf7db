/** `check --variant-file F`: what the fix in F fixes and breaks relative to its base variant. */
import { existsSync, readdirSync } from 'node:fs';
import pc from 'picocolors';
import { CONFIG_COMPONENTS } from '../../model/config.ts';
import { INVARIANTS } from '../../model/invariants.ts';
import { findVariant, type Flags } from '../../model/variants.ts';
import { compareVariant, comparisonConfigs, type CompareRow, type SearchBudget } from '../../api/compare.ts';
import { loadedVariants, type LoadedVariant } from '../../api/load.ts';

function table(head: string[], body: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

function colour(change: string, text: string): string {
  return change === 'BREAKS' ? pc.red(text) : change === 'FIXES' ? pc.green(text) : text;
}

/** Flags the fix changes relative to its base, as `name: old -> new`. */
export function flagChanges(v: LoadedVariant): string[] {
  const base = findVariant(v.component, v.base);
  const before = (base?.flags ?? {}) as Partial<Record<keyof Flags, unknown>>;
  const after = v.flags as Partial<Record<keyof Flags, unknown>>;
  return (Object.keys(after) as (keyof Flags)[])
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${k}: ${before[k] === undefined ? '(default)' : JSON.stringify(before[k])} -> ${JSON.stringify(after[k])}`);
}

function corpusNote(): string {
  const dir = 'counterexamples';
  const traces = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'expectations.json') : [];
  if (traces.length === 0) return 'counterexample corpus: none in this checkout (counterexamples/*.json); corpus replay skipped';
  return `counterexample corpus: ${traces.length} trace(s) in counterexamples/, but this build has no replay engine to swap the fix into; corpus replay skipped`;
}

export interface FixReportOptions extends SearchBudget {
  readonly pinned: Partial<Record<string, string>>;
  readonly json: boolean;
}

/** Print the comparison of every loaded variant; returns the exit status (1 when anything BREAKS). */
export function runFixReport(o: FixReportOptions): number {
  let status = 0;
  const loaded = loadedVariants();
  const isBuiltIn = (c: string, id: string) => !loaded.some((l) => l.component === c && l.id === id);
  const out: string[] = [];
  const json: unknown[] = [];
  for (const v of loaded) {
    const configs = comparisonConfigs(v.component, o.pinned, isBuiltIn);
    if (!o.json) process.stderr.write(pc.dim(`checking ${v.id} in ${configs.length} configuration(s), baseline and fix...\n`));
    const cmp = compareVariant(v, configs, o);
    const others = CONFIG_COMPONENTS.filter((c) => c !== v.component);
    const count = (c: string) => cmp.rows.filter((r) => r.change === c).length;
    if (count('BREAKS') > 0) status = 1;
    if (o.json) {
      json.push({
        variant: { id: v.id, component: v.component, base: v.base, file: v.file, title: v.title, upstream: v.upstream, flags: v.flags },
        seed: o.seed,
        runs: o.runs,
        rows: cmp.rows.map((r) => ({ config: r.fix, baseline: r.baseline, invariant: r.invariant, baselineVerdict: r.before, fixVerdict: r.after, change: r.change })),
        summary: { fixes: count('FIXES'), breaks: count('BREAKS'), stillViolated: count('still violated'), holds: count('holds') },
      });
      continue;
    }
    out.push(`${pc.bold(`fix ${v.id}`)} (${v.component}, from ${v.file}): ${v.title}`);
    out.push(`  upstream: ${v.upstream}; versions: ${v.versions}`);
    out.push(`  baseline: ${v.component} ${v.base}; changes ${flagChanges(v).join(', ') || 'no flag (same behaviour as the baseline)'}`);
    out.push(`  ${INVARIANTS.length} invariants in ${cmp.configs} configurations, baseline and fix, seed ${o.seed}, ${o.runs} runs of up to ${o.maxSteps} steps each`);
    const byScenario = new Map<string, CompareRow[]>();
    for (const r of cmp.rows) byScenario.set(r.fix.scenario, [...(byScenario.get(r.fix.scenario) ?? []), r]);
    for (const [scenario, rows] of byScenario) {
      const shown = rows.filter((r) => r.change !== 'holds');
      out.push('', `scenario ${scenario}`);
      if (shown.length === 0) {
        out.push(`  every invariant holds with the baseline and with the fix (${rows.length} invariant x configuration pairs)`);
        continue;
      }
      const head = [...others, 'invariant', `baseline (${v.base})`, `fix (${v.id})`, 'change'];
      const body = shown.map((r) => [...others.map((c) => (r.fix as unknown as Record<string, string>)[c] ?? ''), r.invariant, r.before, r.after, r.change]);
      const lines = table(head, body);
      out.push(...lines.slice(0, 2).map((l) => `  ${l}`));
      lines.slice(2).forEach((l, i) => out.push(`  ${colour(shown[i]!.change, l)}`));
      const quiet = rows.length - shown.length;
      if (quiet > 0) out.push(`  (${quiet} other invariant x configuration pairs hold with both)`);
    }
    out.push('', `summary for ${v.id}: FIXES ${count('FIXES')}, BREAKS ${count('BREAKS')}, still violated ${count('still violated')}, holds with both ${count('holds')}`);
    const broken = cmp.rows.filter((r) => r.change === 'BREAKS' || r.change === 'still violated');
    const seen = new Set<string>();
    for (const r of broken) {
      const flags = [`--scenario ${r.fix.scenario}`, ...CONFIG_COMPONENTS.map((c) => `--${c} ${(r.fix as unknown as Record<string, string>)[c]}`)].join(' ');
      if (seen.has(flags)) continue;
      seen.add(flags);
      out.push(`  counterexample: pirqcheck check ${flags} --variant-file ${v.file} --seed ${o.seed}`);
    }
    out.push(`  ${corpusNote()}`, '');
  }
  process.stdout.write(o.json ? JSON.stringify(json.length === 1 ? json[0] : json, null, 2) + '\n' : out.join('\n'));
  return status;
}
