/** A configuration: one variant id per component and a scenario. */
import { DEFAULT_FLAGS, DEFAULT_VARIANT, findVariant, variantsOf, type Flags, type VariantComponent } from './variants.ts';
import { BUILTIN_FUNCTIONS, type Functions } from './functions.ts';
import { DEFAULT_SCENARIO, SCENARIOS, findScenario, type Scenario } from './scenarios.ts';

export interface Config {
  readonly scenario: string;
  readonly guest: string;
  readonly qemu: string;
  readonly xen: string;
  /** dom0 kernel and xen-pciback; only lifecycle scenarios use it. Default: pvops-7681f31e. */
  readonly dom0: string;
  /** The toolstack; only lifecycle scenarios use it. Default: libxl. */
  readonly toolstack: string;
}

export const CONFIG_COMPONENTS: readonly VariantComponent[] = ['guest', 'qemu', 'xen', 'dom0', 'toolstack'];

export const DEFAULT_CONFIG: Config = {
  scenario: DEFAULT_SCENARIO,
  guest: DEFAULT_VARIANT.guest,
  qemu: DEFAULT_VARIANT.qemu,
  xen: DEFAULT_VARIANT.xen,
  dom0: DEFAULT_VARIANT.dom0,
  toolstack: DEFAULT_VARIANT.toolstack,
};

/** A configuration error a user can act on: one line naming the bad value and the valid ones. */
export class ConfigError extends Error {}

export interface Resolved {
  readonly config: Config;
  readonly scenario: Scenario;
  readonly flags: Flags;
  /** The modelled functions the configuration's variants resolve to (model/functions.ts). */
  readonly fns: Functions;
}

export function resolveConfig(c: Config): Resolved {
  const scenario = findScenario(c.scenario);
  if (!scenario) {
    throw new ConfigError(`unknown scenario '${c.scenario}' (valid: ${SCENARIOS.map((s) => s.id).join(', ')})`);
  }
  let flags: Flags = DEFAULT_FLAGS;
  for (const comp of CONFIG_COMPONENTS) {
    // A configuration written before dom0/toolstack existed names neither: use the documented default.
    const id = (c as Partial<Config>)[comp] ?? DEFAULT_VARIANT[comp];
    const v = findVariant(comp, id);
    if (!v) {
      throw new ConfigError(`unknown ${comp} variant '${id}' (valid: ${variantsOf(comp).map((x) => x.id).join(', ')})`);
    }
    flags = { ...flags, ...v.flags };
  }
  return { config: c, scenario, flags, fns: BUILTIN_FUNCTIONS };
}

export function configLabel(c: Config): string {
  return `scenario=${c.scenario} guest=${c.guest} qemu=${c.qemu} xen=${c.xen} dom0=${c.dom0} toolstack=${c.toolstack}`;
}
