/**
 * The fix report over every configuration of a scenario, as cli/cli.test.ts runs it with one configuration
 * pinned: the example fix c74fd80f breaks nothing in any nvme-hvm configuration on Xen 4.12 (a minute on
 * 2 cores, so in the slow tier).
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

describe('check --variant-file over every configuration of a scenario', () => {
  it('fresh-pirq-fix in nvme-hvm on Xen 4.12: FIXES the duplicate pirq under a QEMU that unmaps on disable, BREAKS nothing', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'pirqcheck.js'), 'check', '--variant-file', join(ROOT, 'examples', 'fresh-pirq-fix.ts'), '--scenario', 'nvme-hvm', '--xen', '4.12', '--json'], {
      cwd: tmpdir(),
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: { config: Record<string, string>; invariant: string; change: string }[]; summary: { breaks: number } };
    expect(new Set(out.rows.map((x) => x.config['qemu'])).size).toBeGreaterThan(1);
    expect(out.rows.find((x) => x.config['qemu'] === 'unmap-on-disable' && x.invariant === 'pirq-single-owner')?.change).toBe('FIXES');
    expect(out.summary.breaks).toBe(0);
  });
});
