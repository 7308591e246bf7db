/**
 * The view an override's own code sees (model/read-view.ts): it reads and writes like the world's objects, and
 * notes the accesses the state identity depends on, only while an override's own code runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig } from './config.ts';
import type { Sys } from './context.ts';
import { freezeNew } from './cow.ts';
import { guard, type Running } from './guard.ts';
import { clearTouched, isView, sysView, takeTouched, TOUCH, unwrap, unwrapDeep, viewOf } from './read-view.ts';
import { initialWorld } from './scenarios.ts';
import { QuietLog } from './trace.ts';
import type { World } from './world.ts';

const USER: Running = { component: 'qemu', fn: 'f', slices: ['qemu', 'hw', 'audit'], where: "variant file 'x.ts' (qemu variant 'v')", user: true };

function sys(): Sys {
  const r = resolveConfig({ ...DEFAULT_CONFIG, scenario: 'nvme-hvm' });
  const w = initialWorld(r.scenario);
  freezeNew(w);
  const root = { ...w, audit: [] } as World;
  return { w: root, owned: new Set<object>([root]), log: new QuietLog(), flags: r.flags, fn: r.fns };
}

afterEach(() => {
  guard.running = null;
  clearTouched();
});

describe('the view of the world', () => {
  it('reads like the world: fields, arrays, keys, JSON; the same view for the same object', () => {
    const s = sys();
    const v = sysView(s);
    guard.running = USER;
    const entries = v.w.qemu[1]!.devices[0]!.msix.msix_entry;
    expect(isView(entries)).toBe(true);
    expect(Array.isArray(entries)).toBe(true);
    expect(entries.length).toBe(s.w.qemu[1]!.devices[0]!.msix.msix_entry.length);
    expect(entries.map((e) => e.pirq)).toEqual(s.w.qemu[1]!.devices[0]!.msix.msix_entry.map((e) => e.pirq));
    expect(JSON.stringify(v.w.hw)).toBe(JSON.stringify(s.w.hw));
    expect(Object.keys(v.w.guests[1]!)).toEqual(Object.keys(s.w.guests[1]!));
    expect(v.w.qemu[1]!.devices[0]).toBe(v.w.qemu[1]!.devices[0]);
    expect(unwrap(v.w.qemu[1]!.devices[0])).toBe(s.w.qemu[1]!.devices[0]);
    expect(sysView(v)).toBe(v);
    // Names an object has from its prototype are fields like any other.
    expect(v.w.qemu.constructor).toBe(Object);
    expect(typeof v.w.hw[0]!.msix.entries.map).toBe('function');
  });

  it('notes each kind of access, once per bit, with the override named', () => {
    const s = sys();
    const v = sysView(s).w;
    guard.running = USER;
    void v.qemu[1]!.devices[0]!.msix.maskall;
    void v.qemu[1]!.devices[0]!.msix.msix_entry[0]!.committed;
    void v.qemu[1]!.devices[0]!.msix.msix_entry[1]!.data;
    void Object.keys(v.guests[1]!.pirq_to_irq);
    void v.hw[0]!.msix.entries[0]!.xen_irq;
    const t = takeTouched()!;
    expect(t.bits).toBe(TOUCH.maskall | TOUCH.committed | TOUCH.message | TOUCH.pirqToIrq | TOUCH.programmedXenIrq);
    expect(t.what.get(TOUCH.message)).toBe("variant file 'x.ts' (qemu variant 'v'): f read data of a QEMU MSI-X entry");
    expect(takeTouched()).toBeNull();
    // The same fields elsewhere are not the projected ones: the hardware's maskall, a guest device's fields.
    void v.hw[0]!.msix.maskall;
    void v.guests[1]!.devices[0]!.msi_list;
    void v.qemu[1]!.devices[0]!.msix.msix_entry[0]!.pirq;
    expect(takeTouched()).toBeNull();
  });

  it('notes nothing while built-in code runs, or while a built-in function is checked as if it were an override', () => {
    const s = sys();
    const v = sysView(s).w;
    void v.qemu[1]!.devices[0]!.msix.maskall;
    guard.running = { component: 'qemu', fn: 'f', slices: ['qemu'], where: 'built-in qemu' };
    void v.qemu[1]!.devices[0]!.msix.msix_entry[0]!.committed;
    expect(takeTouched()).toBeNull();
  });

  it('an object not in the step’s world is judged by its fields and shape', () => {
    const s = sys();
    guard.running = USER;
    const stale = viewOf(s, { pirq: -1, addr_lo: 0, addr_hi: 0, data: 5, updated: false });
    void stale.pirq;
    expect(takeTouched()).toBeNull();
    void stale.data;
    expect(takeTouched()!.bits).toBe(TOUCH.message);
    const msg = viewOf(s, { address_lo: 0, address_hi: 0, data: 5 });
    void msg.data;
    expect(takeTouched()).toBeNull();
    const irq = viewOf(s, { msi_desc: null, guests: [] as number[] }) as { guests: number[] };
    irq.guests = [1];
    expect(takeTouched()!.bits).toBe(TOUCH.programmedXenIrq);
    // A write into what holds QEMU MSI-X entries, by the shape of what is there; a guest irq's pirq is not that.
    const entries = viewOf(s, [{ pirq: -1, addr_lo: 0, addr_hi: 0, data: 0, updated: false }]) as { pirq: number }[];
    entries[0]!.pirq = 50;
    expect(takeTouched()!.bits).toBe(TOUCH.committed | TOUCH.message);
    const gi = viewOf(s, { irq: 24, pirq: 55, evtchn: 0 }) as { pirq: number };
    gi.pirq = 54;
    expect(takeTouched()).toBeNull();
  });

  it('a write into a frozen object fails as in the world; a stored value holds no view', () => {
    const s = sys();
    const v = sysView(s).w;
    guard.running = USER;
    expect(() => ((v.qemu[1] as { alive: boolean }).alive = false)).toThrow(/Cannot assign to read only property 'alive'/);
    const mine = { a: v.qemu[1], list: [v.hw[0], 3] };
    const plain = unwrapDeep(mine);
    expect(plain).not.toBe(mine);
    expect(plain.a).toBe(s.w.qemu[1]);
    expect(plain.list[0]).toBe(s.w.hw[0]);
    expect(isView(mine.a)).toBe(true);
  });
});
