/** The variant-file API covers every component with a decision point, lifecycle ones included. */
import { describe, expect, it } from 'vitest';
import { CONFIG_COMPONENTS } from '../model/config.ts';
import { DEFAULT_FLAGS } from '../model/variants.ts';
import { flagInfos } from '../api/flags.ts';
import { validateVariantSpec, VariantFileError } from '../api/load.ts';

describe('variant files for every component', () => {
  it('every flag of the model has a component and a doc for `variants --flags`', () => {
    const infos = flagInfos();
    expect(infos.map((f) => f.name).sort()).toEqual(Object.keys(DEFAULT_FLAGS).sort());
    for (const f of infos) {
      expect(f.component, f.name).toBeDefined();
      expect(f.doc.length, `${f.name} has no doc in api/flags.ts FLAG_NOTES`).toBeGreaterThan(0);
    }
  });

  it('each component with a flag accepts a variant file changing it, and inherits the base flags', () => {
    const byComponent = new Map(CONFIG_COMPONENTS.map((c) => [c, flagInfos().find((f) => f.component === c)]));
    for (const [component, flag] of byComponent) {
      expect(flag, `no flag for ${component}`).toBeDefined();
      const def = (DEFAULT_FLAGS as unknown as Record<string, unknown>)[flag!.name];
      const other = flag!.type === 'boolean' ? !def : flag!.type === 'number' ? Number(def) + 1 : flag!.values.find((x) => x !== def);
      const v = validateVariantSpec({ id: `t-${component}`, component, title: 't', upstream: 'u', versions: 'v', flags: { [flag!.name]: other } }, 'mem.ts');
      expect(v.flags[flag!.name as keyof typeof v.flags]).toBe(other);
      expect(Object.keys(v.flags).length).toBeGreaterThan(0);
    }
  });

  it('a lifecycle fix on an explicit base keeps the base flags (seed 002 prune on the 2.6.18 dom0)', () => {
    const v = validateVariantSpec({ id: 't-prune', component: 'dom0', title: 't', upstream: 'u', versions: 'v', base: 'xen-2.6.18', flags: { pcibackPruneOnReset: true } }, 'mem.ts');
    expect(v.flags).toMatchObject({ dom0ReuseListedEntry: true, pcibackMsixHypercalls: false, pcibackPruneOnReset: true });
    expect(() => validateVariantSpec({ id: 't-x', component: 'toolstack', title: 't', upstream: 'u', versions: 'v', flags: { xenResetMsixOnAssign: true } }, 'mem.ts')).toThrow(
      new VariantFileError("variant file 'mem.ts': flag 'xenResetMsixOnAssign' is read by the xen component, not toolstack: a variant changes one component"),
    );
  });
});
