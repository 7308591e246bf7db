import type { Command } from 'commander';
import { loadTraceFile, TraceError } from '../../checker/trace.ts';
import { reproScript } from '../../checker/repro.ts';
import { replayConfig } from '../../checker/replay.ts';
import { execute } from '../../checker/run.ts';
import { UsageError, addVariantFileOption, applyVariantFileOption } from '../options.ts';

export function register(program: Command): void {
  const cmd = program
    .command('repro')
    .argument('<trace>', 'a trace written by check --report or committed in counterexamples/')
    .description('print a shell script that reproduces the trace on a real Xen host: the domain config, the dom0 and guest commands, and after each step the checks that tell the real outcome from the model\'s; exit 2 on a bad file or a trace whose steps cannot run')
    .addHelpText(
      'after',
      `
The script runs as root in dom0 (PCIDEV: the host's device, GUEST_ADDR: the guest's address for ssh) and
exits 0 when every check matched the model, 1 when any differed. Steps no host can force (an interleaving
inside a driver) are comments that say so.

Example:
  pirqcheck repro counterexamples/reboot-hvm--fresh-pirq--unmap-on-disable--4.12--pvops--libxl--clean-handover.json > repro.sh
  PCIDEV=0000:03:00.0 GUEST_ADDR=192.168.0.2 bash repro.sh`,
    );
  addVariantFileOption(cmd).action(async (file: string, o: Record<string, unknown>) => {
    await applyVariantFileOption(o);
    let script: string;
    try {
      const t = loadTraceFile(file);
      const ex = execute(replayConfig(t, {}), t.actions, []);
      if (ex.refused) throw new TraceError(`${file}: step ${ex.refused.n} is not possible in the model (${ex.refused.reason}); no script for a trace that does not run`);
      script = reproScript(t, { tracePath: file });
    } catch (e) {
      if (e instanceof TraceError) throw new UsageError(e.message);
      throw e;
    }
    process.stdout.write(script);
  });
}
