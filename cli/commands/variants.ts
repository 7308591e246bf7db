import type { Command } from 'commander';
import { fitLines, outputWidth } from '../table.ts';
import pc from 'picocolors';
import { CONFIG_COMPONENTS } from '../../model/config.ts';
import { DEFAULT_VARIANT, VARIANTS, type VariantComponent } from '../../model/variants.ts';
import { flagInfos } from '../../api/flags.ts';
import { functionInfos } from '../../model/functions.ts';
import { UsageError, addVariantFileOption, applyVariantFileOption } from '../options.ts';

export function register(program: Command): void {
  const cmd = program
    .command('variants')
    .description('list every variant (historical commit or proposed fix) with its flags, upstream commit or message, and versions')
    .option('--component <c>', `only this component (${CONFIG_COMPONENTS.join(', ')})`)
    .option('--flags', 'list the flags (decision points) a variant file may set instead')
    .option('--functions', 'list the modelled functions a variant file may replace or wrap instead (by upstream name, with the upstream file each models)')
    .option('--json', 'print JSON');
  addVariantFileOption(cmd).action(async (o: { component?: string; json?: boolean; flags?: boolean; functions?: boolean; variantFile?: string[] }) => {
    await applyVariantFileOption(o as Record<string, unknown>);
    if (o.component !== undefined && !(CONFIG_COMPONENTS as readonly string[]).includes(o.component)) {
      throw new UsageError(`unknown component '${o.component}' (valid: ${CONFIG_COMPONENTS.join(', ')})`);
    }
    if (o.functions) {
      if (o.flags) throw new UsageError('--functions and --flags are two lists: give one');
      const fns = functionInfos(o.component as VariantComponent | undefined);
      if (o.json) return void process.stdout.write(JSON.stringify(fns, null, 2) + '\n');
      return void process.stdout.write(functionsText(fns));
    }
    if (o.flags) {
      const flags = flagInfos().filter((f) => o.component === undefined || f.component === o.component);
      if (o.json) return void process.stdout.write(JSON.stringify(flags, null, 2) + '\n');
      const out: string[] = [];
      for (const f of flags) {
        out.push(`${pc.bold(f.name)}  (${f.component ?? 'component unknown'}, ${f.type === 'enum' ? f.values.map((v) => `'${v}'`).join(' | ') : f.type}, default ${JSON.stringify(f.default)})`);
        if (f.doc) out.push(`  ${f.doc}`);
      }
      return void process.stdout.write(out.join('\n') + '\n');
    }
    const list = VARIANTS.filter((v) => o.component === undefined || v.component === o.component);
    if (o.json) {
      const rows = list.map((v) => ({ ...v, default: DEFAULT_VARIANT[v.component as VariantComponent] === v.id }));
      return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    }
    const out: string[] = [];
    for (const c of CONFIG_COMPONENTS) {
      const vs = list.filter((v) => v.component === c);
      if (vs.length === 0) continue;
      out.push(pc.bold(`${c}`));
      for (const v of vs) {
        const flags = Object.entries(v.flags).map(([k, x]) => `${k}=${JSON.stringify(x)}`).join(' ') || '(defaults)';
        out.push(`  ${pc.cyan(v.id)}${DEFAULT_VARIANT[c] === v.id ? ' (default)' : ''}  ${v.title}`);
        out.push(`      upstream:   ${v.upstream}`);
        out.push(`      versions:   ${v.versions}`);
        out.push(`      flags:      ${flags}`);
        if (v.link) out.push(`      link:       ${v.link}`);
        out.push(`      confidence: ${v.confidence}`);
        if (v.release) {
          out.push(`      tag:        ${v.release.tag}`);
          if (v.release.previous === null) out.push('      commits:    (first release modelled on its line)');
          else if (v.release.commits.length === 0) out.push(`      commits:    none since ${v.release.previous} on the modelled paths`);
          else {
            out.push(`      commits since ${v.release.previous}:`);
            for (const c of v.release.commits) out.push(`        ${c.id}  ${c.what}`);
          }
        }
      }
      out.push('');
    }
    process.stdout.write(fitLines(out, outputWidth()).join('\n'));
  });
}

/**
 * The function list as text, component by component: `name(builtin, s, args...)`, the upstream file, what it
 * does. An override of `name` receives exactly these parameters (model/overrides.ts).
 */
export function functionsText(fns: ReturnType<typeof functionInfos>): string {
  const out: string[] = [];
  for (const c of CONFIG_COMPONENTS) {
    const of = fns.filter((f) => f.component === c);
    if (of.length === 0) continue;
    out.push(pc.bold(c));
    for (const f of of) {
      out.push(`  ${pc.cyan(f.name)}(builtin, s${f.params.map((p) => `, ${p}`).join('')})`);
      out.push(`      ${f.file}: ${f.doc}`);
    }
    out.push('');
  }
  return out.join('\n');
}
