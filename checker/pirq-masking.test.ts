/**
 * The Linux pirq path before 7e0815b3e099 (flag guestPirqMsixMasking): its MSI core still writes vector control,
 * in three generations of drivers/pci/msi.c:msix_capability_init (msix_program_entries' masks after
 * ENABLE|MASKALL to 5.13; msix_mask_all before the setup in 5.14 - 5.15.10; after it, with the mask bracket
 * binding each entry during the setup, in 5.15.11 - 5.17), and pci_msix_shutdown masks each entry. Shown here:
 * the writes and where they land (msix_mask_all or msix_program_entries reach Xen's msixtbl for the bound entries
 * and mask them in hardware; EVTCHNOP_bind_pirq unmasks at request_irq, xen/arch/x86/irq.c:arch_evtchn_bind_pirq
 * @RELEASE-4.22.0, from 84d6add559, Xen 4.6). So on Xen 4.6 and later every vector delivers, and the rows are
 * proved. With a hypervisor whose event-channel bind leaves the mask alone (never released: Xen's tree between
 * ad28e42bd1 and 84d6add559, June - July 2015; written as code on 4.22, examples/xen-bind-keeps-mask.ts) every
 * guest before 7e0815b3e099 loses the interrupt, whatever its generation, while linux-6x (pci_msi_ignore_mask set,
 * no vector-control write) still delivers. With the mask rules of Xen 4.1 - 4.5 (examples/xen-4.5-mask-rules.ts:
 * the unmask only at the first pirq_guest_bind, a guest's mask written to the hardware) only 83dbf898a2d4's order
 * loses, as the report behind 7e0815b3e099 saw.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig, type Config } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { sysFor } from '../model/testkit.ts';
import * as guest from '../model/components/guest.ts';
import { explore } from './explore.ts';

const D = 1;
const A = 0;
const today = (g: string): Config => ({ scenario: 'nvme-hvm', guest: g, qemu: 'bind-unmasked', xen: '4.22', dom0: 'pvops-6x', toolstack: 'libxl-4.22' });
const delivers = INVARIANTS.filter((i) => i.name === 'enabled-vector-delivers');

describe('the pirq path with vector-control writes (before 7e0815b3e099)', () => {
  it('the bracket binds each entry during the setup, msix_mask_all masks the bound entries in hardware, request_irq unmasks', () => {
    const s = sysFor('nvme-hvm', resolveConfig(today('linux-5.15')).flags);
    expect(guest.pci_enable_msix(s, D, A, 2)).toBe(2);
    const ctrl = s.log.calls.filter((c) => c.fn === 'msixtbl_write' || c.fn === 'XEN_DOMCTL_bind_pt_irq').map((c) => `${c.fn}(${c.args}) -> ${c.result}`);
    expect(ctrl).toEqual([
      'msixtbl_write(mask entry 0 (vector control)) -> device model',
      'msixtbl_write(unmask entry 0 (vector control)) -> device model',
      'XEN_DOMCTL_bind_pt_irq(domid=1 PT_IRQ_TYPE_MSI pirq=55 gvec=0x0) -> 0',
      'msixtbl_write(mask entry 1 (vector control)) -> device model',
      // Entry 1 has no descriptor yet, so msixtbl_range does not take its writes (no table_flags bit): the unmask
      // goes to QEMU, snooped, and msix_write_completion applies it once QEMU's bind registered the entry.
      'msixtbl_write(unmask entry 1 (vector control)) -> device model',
      'XEN_DOMCTL_bind_pt_irq(domid=1 PT_IRQ_TYPE_MSI pirq=54 gvec=0x0) -> 0',
      // msix_mask_all over the 3-entry table: the two bound entries in Xen (and QEMU, 64b21662b1), the third in QEMU.
      'msixtbl_write(mask entry 0 (vector control)) -> Xen, then the device model',
      'msixtbl_write(mask entry 1 (vector control)) -> Xen, then the device model',
      'msixtbl_write(mask entry 2 (vector control)) -> device model',
    ]);
    expect(s.w.hw[A]!.msix.entries.map((e) => e.masked)).toEqual([true, true, true]);
    guest.pci_msix_clear_and_set_ctrl(s, D, A);
    guest.request_irq(s, D, A, 0);
    expect(s.w.hw[A]!.msix.entries.map((e) => e.masked)).toEqual([false, true, true]);
  });

  it('linux-6x writes no vector control on the pirq path', () => {
    const s = sysFor('nvme-hvm', resolveConfig(today('linux-6x')).flags);
    guest.pci_enable_msix(s, D, A, 2);
    guest.pci_msix_clear_and_set_ctrl(s, D, A);
    guest.request_irq(s, D, A, 0);
    guest.free_irq(s, D, A, 0);
    guest.pci_disable_msix(s, D, A);
    expect(s.log.calls.filter((c) => c.fn === 'msixtbl_write' && c.args.includes('vector control'))).toEqual([]);
  });

  it('pci_msix_shutdown masks every enabled entry before clearing ENABLE, before 5.14 (program-entries) as after', () => {
    const pre514 = resolveConfig({ ...today('fresh-pirq'), qemu: 'unmap-on-disable', xen: '4.12', dom0: 'pvops-7681f31e', toolstack: 'libxl' });
    for (const r of [pre514, resolveConfig(today('linux-5.15'))]) {
      const s = sysFor('nvme-hvm', r.flags);
      guest.pci_enable_msix(s, D, A, 2);
      guest.pci_msix_clear_and_set_ctrl(s, D, A);
      const from = s.log.calls.length;
      guest.pci_disable_msix(s, D, A);
      const after = s.log.calls.slice(from).filter((c) => c.depth === 0).map((c) => `${c.fn}(${c.args})`);
      expect(after.slice(0, 3), r.config.guest).toEqual(['msixtbl_write(mask entry 0 (vector control))', 'msixtbl_write(mask entry 1 (vector control))', 'xen_pt_msixctrl_reg_write(MSIX_FLAGS ENABLE=0 MASKALL=0)']);
    }
  });

  it('before 5.14 (program-entries): the messages first, then ENABLE|MASKALL and a mask of each used entry', () => {
    const s = sysFor('nvme-hvm', resolveConfig({ ...today('fresh-pirq'), qemu: 'unmap-on-disable', xen: '4.12', dom0: 'pvops-7681f31e', toolstack: 'libxl' }).flags);
    expect(guest.pci_enable_msix(s, D, A, 2)).toBe(2);
    const w = s.log.calls.filter((c) => c.depth === 0).map((c) => `${c.fn}(${c.args})`);
    expect(w.slice(1)).toEqual([
      'xen_pt_msixctrl_reg_write(MSIX_FLAGS ENABLE=1 MASKALL=1)',
      'msixtbl_write(mask entry 0 (vector control))',
      'msixtbl_write(mask entry 1 (vector control))',
    ]);
    expect(w[0]).toMatch(/^xen_hvm_setup_msi_irqs/);
    // QEMU before 2.6 binds at the MASKALL clear, so Xen has no msixtbl entry yet: the masks go to QEMU.
    const ctrl = s.log.calls.filter((c) => c.fn === 'msixtbl_write' && c.args.includes('vector control')).map((c) => c.result);
    expect(ctrl).toEqual(['device model', 'device model']);
    expect(s.w.qemu[D]!.devices[A]!.msix.msix_entry.slice(0, 2).map((e) => e.vector_ctrl)).toEqual([1, 1]);
    guest.pci_msix_clear_and_set_ctrl(s, D, A);
    guest.request_irq(s, D, A, 0);
    // The event-channel bind unmasks the requested vector in hardware (arch_evtchn_bind_pirq).
    expect(s.w.hw[A]!.msix.entries.map((e) => e.masked)).toEqual([false, true, true]);
  });

  it('5.14 - 5.15.10 (linux-5.14): the whole table masked before the messages, so no bracket; a failed setup keeps MASKALL', () => {
    const s = sysFor('nvme-hvm', resolveConfig(today('linux-5.14')).flags);
    expect(guest.pci_enable_msix(s, D, A, 2)).toBe(2);
    const w = s.log.calls.filter((c) => c.fn === 'msixtbl_write' || c.fn === 'xen_pt_msixctrl_reg_write' || c.fn === 'XEN_DOMCTL_bind_pt_irq').map((c) => `${c.fn}(${c.args})`);
    expect(w.slice(0, 4)).toEqual([
      'xen_pt_msixctrl_reg_write(MSIX_FLAGS ENABLE=1 MASKALL=1)',
      'msixtbl_write(mask entry 0 (vector control))',
      'msixtbl_write(mask entry 1 (vector control))',
      'msixtbl_write(mask entry 2 (vector control))',
    ]);
    // Each entry reads masked after msix_mask_all: the messages are written with no mask/unmask around them,
    // and nothing unmasks an entry during the setup, so QEMU binds nothing yet.
    expect(w.slice(4).every((x) => !x.includes('vector control') && !x.startsWith('XEN_DOMCTL_bind_pt_irq'))).toBe(true);
    const f = sysFor('nvme-hvm', resolveConfig(today('linux-5.14')).flags);
    for (let i = 0; i < 8; i++) f.fn.xen.PHYSDEVOP_get_free_pirq(f, D);
    expect(guest.pci_enable_msix(f, D, A, 1)).toBe(-19);
    expect(f.w.qemu[D]!.devices[A]!.msix).toMatchObject({ enabled: false, maskall: true });
  });

  it('on Xen 4.22 every enabled vector delivers: proved over the complete graph', async () => {
    for (const g of ['linux-5.15', 'linux-5.14']) {
      const res = await explore(resolveConfig(today(g)), { maxStates: 100_000, invariants: delivers });
      expect(res.verdict, g).toBe('holds');
      expect(res.complete).toBe(true);
    }
  }, 60_000);

  it('with an event-channel bind that leaves the mask alone (examples/xen-bind-keeps-mask.ts) the vector is lost in every generation before 7e0815b3e099; linux-6x still delivers', async () => {
    const { loadVariantFile } = await import('../api/load.ts');
    await loadVariantFile(new URL('../examples/xen-bind-keeps-mask.ts', import.meta.url).pathname);
    const bindKeepsMask = (g: string) => resolveConfig({ ...today(g), xen: '4.22-bind-keeps-mask' });
    for (const g of ['linux-5.15', 'linux-5.14', 'fresh-pirq']) {
      const lost = await explore(bindKeepsMask(g), { maxStates: 100_000, invariants: delivers });
      expect(lost.verdict, g).toBe('violated');
      expect(lost.violation!.invariant).toBe('enabled-vector-delivers');
      expect(lost.violation!.evidence.text).toMatch(/masked/i);
    }
    const six = await explore(bindKeepsMask('linux-6x'), { maxStates: 100_000, invariants: delivers });
    expect(six.verdict).toBe('holds');
    expect(six.complete).toBe(true);
  }, 120_000);

  it('with the mask rules of Xen 4.1 - 4.5 (examples/xen-4.5-mask-rules.ts) only 83dbf898a2d4\'s order loses: linux-5.15 in 3 steps, linux-5.14, fresh-pirq and linux-6x proved', async () => {
    const { loadVariantFile } = await import('../api/load.ts');
    await loadVariantFile(new URL('../examples/xen-4.5-mask-rules.ts', import.meta.url).pathname);
    // QEMU 2.1 - 2.5 (the QEMU of that time): it binds on an unmask while enabled, and at the MASKALL clear.
    const old = (g: string) => resolveConfig({ scenario: 'nvme-hvm', guest: g, qemu: 'unmap-on-disable', xen: '4.12-with-4.5-mask-rules', dom0: 'pvops-7681f31e', toolstack: 'libxl' });
    const lost = await explore(old('linux-5.15'), { maxStates: 100_000, invariants: delivers });
    expect(lost.verdict).toBe('violated');
    expect(lost.actions!.map((a) => a.kind)).toEqual(['guest.pci_enable_msix', 'guest.pci_msix_clear_and_set_ctrl', 'guest.request_irq']);
    expect(lost.violation!.evidence.text).toContain('MSI-X entry 0 is masked in hardware');
    // The mask that stays: msix_mask_all's, written to the hardware after QEMU bound the entry during the setup.
    const trace = lost.steps!.flatMap((st) => st.calls.map((c) => `${c.fn}(${c.args}) -> ${c.result}`));
    const bind = trace.findIndex((x) => x.startsWith('XEN_DOMCTL_bind_pt_irq'));
    const mask = trace.findIndex((x) => x === 'msixtbl_write(mask entry 0 (vector control)) -> Xen: written to the hardware');
    expect(bind).toBeGreaterThan(-1);
    expect(mask).toBeGreaterThan(bind);
    for (const g of ['linux-5.14', 'fresh-pirq', 'linux-6x']) {
      const res = await explore(old(g), { maxStates: 100_000, invariants: delivers });
      expect(res.verdict, g).toBe('holds');
      expect(res.complete, g).toBe(true);
    }
  }, 120_000);
});
