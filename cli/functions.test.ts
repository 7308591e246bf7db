/**
 * The table of modelled functions is the one list of what is modelled: docs/model.md and `pirqcheck variants
 * --functions` are generated from it and kept equal to it here; and the components call each other's
 * modelled functions only through it (so an override takes effect wherever the function is called).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { functionInfos, TABLES, withFunctionList } from '../model/functions.ts';
import { functionsText } from './commands/variants.ts';

const ROOT = join(import.meta.dirname, '..');

describe('the function list', () => {
  it('docs/model.md holds the list generated from model/functions.ts (npm run docs)', () => {
    const md = readFileSync(join(ROOT, 'docs', 'model.md'), 'utf8');
    expect(md).toBe(withFunctionList(md));
    for (const f of functionInfos()) expect(md).toContain(`\`${f.name}(s`);
  });

  it('`pirqcheck variants --functions` prints it, every function with the parameters an override receives', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'pirqcheck.js'), 'variants', '--functions'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    // picocolors colours this process's text when CI is set (as on the CI machine); the child runs with NO_COLOR
    expect(r.stdout).toBe(stripVTControlCharacters(functionsText(functionInfos())));
    expect(r.stdout).toContain('deassign_device(builtin, s, domid, dev)');
    expect(r.stdout).toContain('xen/drivers/passthrough/pci.c @RELEASE-4.12.0');
    const n = Object.values(TABLES).reduce((k, t) => k + Object.keys(t).length, 0);
    expect(functionInfos()).toHaveLength(n);
  });
});

describe('calls go through the table', () => {
  const dir = join(ROOT, 'model', 'components');
  const files = [...readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(dir, f)), ...readdirSync(join(dir, 'xen')).map((f) => join(dir, 'xen', f)), join(ROOT, 'model', 'step.ts')];
  const impls = new Set(Object.values(TABLES).flatMap((t) => Object.values(t as Record<string, { impl: { name: string } }>).map((e) => e.impl.name)));

  it('no component imports another component to call it: a modelled function is called as s.fn.<component>.<name>', () => {
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      // model/step.ts dispatches the environment's faults (not modelled functions) to lifecycle.ts directly.
      if (!f.endsWith('step.ts')) expect(src, f).not.toMatch(/import \* as (xen|qemu|guest|dom0|life) from/);
      // A call of a modelled function by its own name, not through s.fn (its declaration aside).
      for (const name of impls) {
        const direct = new RegExp(`(?<![\\w.$])${name.replace(/\$/g, '\\$')}\\(s[,)]`, 'g');
        expect(src.match(direct), `${f} calls ${name} directly`).toBeNull();
      }
    }
  });
});
