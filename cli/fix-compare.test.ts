import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVariantFile } from '../api/load.ts';
import { changedFlags, compareVariant, recordingFlags } from '../api/compare.ts';
import { resolveConfig, DEFAULT_CONFIG, type Config } from '../model/config.ts';
import { execute } from '../checker/run.ts';
import { findInvariant } from '../model/invariants.ts';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');

describe('compareVariant: configurations the fix cannot affect', () => {
  it('records reads of the fix\'s flags through a Proxy over the flags object', () => {
    const read = new Set<string>();
    const r = recordingFlags(resolveConfig({ ...DEFAULT_CONFIG, scenario: 'reboot-hvm' }), ['xenResetMsixOnAssign'], read);
    execute(r, [{ kind: 'dom0.pcistub_probe', dev: 0 }], [findInvariant('clean-handover')!]);
    expect(read.size).toBe(0); // pciback's bind never reaches assign_device
    execute(r, [{ kind: 'dom0.pcistub_probe', dev: 0 }, { kind: 'toolstack.libxl__device_pci_add', dev: 0 }], [findInvariant('clean-handover')!]);
    expect([...read]).toEqual(['xenResetMsixOnAssign']);
  });
  it('records calls of the functions a code fix overrides, wrapped in the table of modelled functions', () => {
    const read = new Set<string>();
    const r = recordingFlags(resolveConfig({ ...DEFAULT_CONFIG, scenario: 'reboot-hvm' }), ['xen.assign_device'], read);
    execute(r, [{ kind: 'dom0.pcistub_probe', dev: 0 }], [findInvariant('clean-handover')!]);
    expect(read.size).toBe(0); // pciback's bind never reaches assign_device
    execute(r, [{ kind: 'dom0.pcistub_probe', dev: 0 }, { kind: 'toolstack.libxl__device_pci_add', dev: 0 }], [findInvariant('clean-handover')!]);
    expect([...read]).toEqual(['xen.assign_device']);
  });
  it('575e18d54d cannot change nvme-hvm (no assign there) and is compared in reboot-hvm', async () => {
    const v = await loadVariantFile(join(EXAMPLES, 'xen-reset-msix-on-assign.ts'));
    expect(changedFlags(v)).toEqual(['xenResetMsixOnAssign']);
    const nvme: Config = { ...DEFAULT_CONFIG, scenario: 'nvme-hvm', xen: '4.12' };
    const reboot: Config = { ...DEFAULT_CONFIG, scenario: 'reboot-hvm', dom0: 'pvops', xen: '4.12' };
    const cmp = await compareVariant(v, [nvme, reboot], { seed: 1, runs: 30, maxSteps: 40 }, { workers: 1 });
    expect(cmp.unaffected.map((c) => c.scenario)).toEqual(['nvme-hvm']);
    expect(new Set(cmp.rows.map((r) => r.fix.scenario))).toEqual(new Set(['reboot-hvm']));
    // The lost interrupt of the rebooted guest (exploration) is gone with the fix.
    expect(cmp.rows.find((r) => r.invariant === 'enabled-vector-delivers')).toMatchObject({ kind: 'failure', change: 'FIXES' });
  });
});
