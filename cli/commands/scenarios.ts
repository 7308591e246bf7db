import type { Command } from 'commander';
import { fitLines, outputWidth } from '../table.ts';
import pc from 'picocolors';
import { SCENARIOS, DEFAULT_SCENARIO } from '../../model/scenarios.ts';

export function register(program: Command): void {
  program
    .command('scenarios')
    .description('list every scenario (workload): devices, bounds and the seed stories it reproduces')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      if (o.json) {
        process.stdout.write(JSON.stringify(SCENARIOS, null, 2) + '\n');
        return;
      }
      const out = SCENARIOS.flatMap((s) => [
        `${pc.cyan(s.id)}${s.id === DEFAULT_SCENARIO ? ' (default)' : ''}  ${s.title}`,
        `  ${s.doc}`,
        `  devices: ${s.devices.map((d) => `${d.bdf} as ${d.vslot} (${d.mode}, ${d.msixEntries} entries)`).join('; ')}; seeds: ${s.seeds.join(', ') || '-'}`,
        `  components whose variant matters here: ${s.components.join(', ')}`,
      ]);
      process.stdout.write(fitLines(out, outputWidth()).join('\n') + '\n');
    });
}
