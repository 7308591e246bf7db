/** The pirqcheck command line. Every user error ends in one line on stderr and exit status 2. */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { loadsVariantFile } from './watchdog.ts';
import { UsageError } from './options.ts';
import { register as registerMatrix } from './commands/matrix.ts';
import { register as registerCheck } from './commands/check.ts';
import { register as registerExplore } from './commands/explore.ts';
import { register as registerFuzz } from './commands/fuzz.ts';
import { register as registerVariants } from './commands/variants.ts';
import { register as registerInvariants } from './commands/invariants.ts';
import { register as registerScenarios } from './commands/scenarios.ts';
import { register as registerReplay } from './commands/replay.ts';
import { register as registerExportItf } from './commands/export-itf.ts';
import { register as registerRepro } from './commands/repro.ts';

const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('pirqcheck')
    .description('Model checker for the interrupt plumbing of Xen PCI passthrough: guest Linux, QEMU xen_pt, dom0/pciback, Xen')
    .version(pkg.version)
    .option('--debug', 'show stack traces of internal errors')
    .showHelpAfterError(false)
    .exitOverride()
    // One line per error: commander's "(Did you mean ...?)" joins the message line.
    .configureOutput({ writeErr: (s) => process.stderr.write(s.replace(/\n(?=.)/g, ' ')) });
  registerMatrix(program);
  registerCheck(program);
  registerExplore(program);
  registerFuzz(program);
  registerVariants(program);
  registerInvariants(program);
  registerScenarios(program);
  registerReplay(program);
  registerExportItf(program);
  registerRepro(program);
  program.addHelpText(
    'after',
    `
Examples:
  pirqcheck matrix                                        every historical configuration, every invariant
  pirqcheck check --guest fresh-pirq --qemu keep-pirqs    one configuration; prints the shrunk counterexample
  pirqcheck check --variant-file examples/fresh-pirq-fix.ts   what your fix fixes and breaks, and the known bugs it fixes
  pirqcheck replay counterexamples/NAME.json --qemu unmap-on-disable   a recorded bug with another variant swapped in
  pirqcheck repro counterexamples/NAME.json > repro.sh     a script that reproduces a recorded bug on a real Xen host
  pirqcheck fuzz --minutes 20 --shard 1/4                 nightly: fresh seeds, findings as traces and reports
  pirqcheck variants --component guest                    the known variants and their upstream commits

Exit status: 0 ok/holds, 1 violation found, 2 bad usage or input, 3 internal error (replay: 4 steps not possible).
Docs: README.md, docs/writing-a-fix.md, docs/reading-a-report.md, docs/variants.md, docs/invariants.md`,
  );
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  // A variant file runs code of the user's: under a watchdog that can stop it (cli/watchdog.ts).
  if (isMainThread && loadsVariantFile(argv) && process.env['PIRQCHECK_WATCHDOG'] !== '0') return (await import('./watchdog.ts')).runWatched(argv);
  const program = buildProgram();
  const debug = argv.includes('--debug');
  // `pirqcheck ... | head`: a closed pipe ends the output quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its one-line message; help and version exit 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`pirqcheck: ${e.message}\n`);
      if (debug) {
        const cause = e.cause instanceof Error ? e.cause : e;
        if (cause.stack) process.stderr.write(cause.stack + '\n');
      }
      return 2;
    }
    if (e instanceof Error && e.name === 'VariantRunError') {
      // model/overrides.ts: a variant's function wrote elsewhere, is not deterministic or threw.
      process.stderr.write(`pirqcheck: ${e.message}\n`);
      if (debug && e.stack) process.stderr.write(e.stack + '\n');
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`pirqcheck: internal error: ${msg}${debug ? '' : ' (run with --debug for a stack trace)'}\n`);
    if (debug && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return 3;
  }
}
