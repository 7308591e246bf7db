/**
 * The walk-through "A fix that is code, from scratch" of docs/writing-a-fix.md, with real output: the fix
 * file shown is examples/guest-unmap-on-teardown.ts, and every `$ pirqcheck ...` block holds what the command
 * prints. The commands run as the page says: in a directory standing for /tmp, with the fix in its
 * `elsewhere/` subdirectory, outside the checkout; paths are shown as /tmp/... and the checkout as
 * /path/to/pirqcheck. `npm run docs` writes the outputs; cli/writing-a-fix.test.ts checks them. The commands
 * run at once, except that one naming the directory an earlier one writes with --report waits for that one.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPirqcheck } from './run-pirqcheck.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WALKTHROUGH_FILE = join(ROOT, 'docs', 'writing-a-fix.md');
export const EXAMPLE = join(ROOT, 'examples', 'guest-unmap-on-teardown.ts');
export const SECTION = '## A fix that is code, from scratch';

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `md` with the walk-through's file and command outputs regenerated. */
export async function fillWalkthrough(md: string): Promise<string> {
  const a = md.indexOf(SECTION);
  if (a < 0) throw new Error(`${WALKTHROUGH_FILE}: no section '${SECTION}'`);
  const next = md.indexOf('\n## ', a + SECTION.length);
  const b = next < 0 ? md.length : next;
  const tmp = mkdtempSync(join(tmpdir(), 'pirqcheck-walkthrough-'));
  try {
    const elsewhere = join(tmp, 'elsewhere');
    mkdirSync(elsewhere);
    copyFileSync(EXAMPLE, join(elsewhere, 'my-fix.ts'));
    const fix = readFileSync(EXAMPLE, 'utf8');
    writeFileSync(join(elsewhere, 'typo.ts'), fix.replace('xen_teardown_msi_irqs:', 'xen_teardown_msi_irq:'));
    const show = (s: string) => s.replace(new RegExp(escape(tmp), 'g'), '/tmp').replace(new RegExp(escape(ROOT), 'g'), '/path/to/pirqcheck');
    // Unwrapped (COLUMNS=1000): the checkout's path, shown as /path/to/pirqcheck, must not change where lines wrap.
    const run = async (cmd: string): Promise<string> => {
      const args = cmd.replace(/^\$ pirqcheck /, '').split(' ').map((x) => x.replace(/^\/tmp\//, `${tmp}/`));
      const r = await runPirqcheck(args, { cwd: tmp, env: { COLUMNS: '1000' } });
      return show(r.stdout.length ? r.stdout : r.stderr).replace(/\n+$/, '');
    };
    const blocks = /```(ts|)\n([\s\S]*?)```/g;
    const commands = [...md.slice(a, b).matchAll(blocks)].map((m) => m[2]!.split('\n')[0]!).filter((c) => c.startsWith('$ pirqcheck '));
    const started: { cmd: string; out: Promise<string> }[] = [];
    for (const cmd of commands) {
      const after = started.filter((s) => {
        const dir = / --report (\S+)/.exec(s.cmd)?.[1];
        return dir !== undefined && cmd.includes(dir);
      });
      started.push({ cmd, out: Promise.all(after.map((s) => s.out)).then(() => run(cmd)) });
    }
    const outputs = await Promise.all(started.map((s) => s.out));
    let next = 0;
    const section = md.slice(a, b).replace(blocks, (whole, lang: string, body: string) => {
      if (lang === 'ts') return '```ts\n' + fix.replace(/\n+$/, '') + '\n```';
      const first = body.split('\n')[0]!;
      if (!first.startsWith('$ pirqcheck ')) return whole;
      return '```\n' + first + '\n' + outputs[next++]! + '\n```';
    });
    return md.slice(0, a) + section + md.slice(b);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
