/**
 * The SPIN peer counts the same states as pirqcheck: for two cells of seed 001's nvme-hvm row, the number of
 * distinct states SPIN's breadth-first search of bench/peer/nvme-hvm.pml first reaches at each depth from 12 to
 * 24 equals the number of distinct projections (bench/peer/projection.ts) of pirqcheck's concrete states first
 * reached at that depth. Run by `npm run bench:peer`, not by `npm test`; skipped when spin or gcc is missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig } from '../../model/config.ts';
import { projectedLevels } from './projection.ts';
import { buildPan, spinAvailable, spinLevels } from './spin.ts';

const FROM = 12;
const TO = 24;
/** Seed 001's correct cells; PIRQCHECK_PEER_CELLS=all adds the other four (about 4 more minutes). */
const CELLS: readonly (readonly [string, string])[] = [
  ['reuse-pirq', 'keep-pirqs'],
  ['fresh-pirq', 'unmap-on-disable'],
  ...(process.env['PIRQCHECK_PEER_CELLS'] === 'all'
    ? ([['reuse-pirq', 'unmap-on-disable'], ['reuse-pirq-live', 'keep-pirqs'], ['reuse-pirq-live', 'unmap-on-disable'], ['fresh-pirq', 'keep-pirqs']] as const)
    : []),
];

const available = spinAvailable();
if (!available) console.warn('bench/peer: skipped: spin or gcc is not on PATH (apt-get install spin gcc)');

describe.skipIf(!available)('the SPIN peer: states per depth equal pirqcheck\'s projected states', () => {
  const dir = available ? mkdtempSync(join(tmpdir(), 'pirqcheck-peer-')) : '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const seen: Record<string, { spin: number[]; projected: number[] }> = {};

  for (const [guest, qemu] of CELLS) {
    it(`nvme-hvm guest=${guest} qemu=${qemu} xen=4.12, depths ${FROM} to ${TO}`, () => {
      const pan = buildPan(guest, qemu, join(dir, `${guest}-${qemu}`));
      const spin = spinLevels(pan, FROM, TO);
      const r = resolveConfig({ ...DEFAULT_CONFIG, scenario: 'nvme-hvm', guest, qemu, xen: '4.12' });
      const levels = projectedLevels(r, TO);
      const projected = levels.projected.slice(FROM, TO + 1);
      seen[`${guest}/${qemu}`] = { spin, projected };
      expect(projected).toHaveLength(TO - FROM + 1);
      expect(projected.every((n) => n > 0)).toBe(true);
      expect(spin).toEqual(projected);
    });
  }

  it('the comparison can fail: the two cells\' counts differ from each other', () => {
    const a = seen['reuse-pirq/keep-pirqs'];
    const b = seen['fresh-pirq/unmap-on-disable'];
    expect(a && b).toBeTruthy();
    expect(a!.spin).not.toEqual(b!.projected);
  });
});

