/**
 * docs/writing-a-fix.md walks through a fix written as code, checked from a directory outside the checkout:
 * the file it shows is examples/guest-unmap-on-teardown.ts and every command's output is what the command
 * prints (scripts/fix-walkthrough.ts runs them as the page says; `npm run docs` writes them).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLE, fillWalkthrough, WALKTHROUGH_FILE } from '../scripts/fix-walkthrough.ts';

describe('docs/writing-a-fix.md, a fix that is code', () => {
  // Six commands, one of them a fix report over every nvme-hvm configuration: more than the default time-out on a loaded machine.
  it('shows the example file and the real output of every command, run outside the checkout', { timeout: 300_000 }, async () => {
    const md = readFileSync(WALKTHROUGH_FILE, 'utf8');
    expect(md).toContain(readFileSync(EXAMPLE, 'utf8').trimEnd());
    expect(md).toContain('$ pirqcheck check --variant-file /tmp/elsewhere/my-fix.ts');
    expect(await fillWalkthrough(md)).toBe(md);
  });
});
