/** A configuration: one variant id per component and a scenario. */
import { DEFAULT_FLAGS, DEFAULT_VARIANT, findVariant, variantsOf, type Flags, type VariantComponent } from './variants.ts';
import { BUILTIN_FUNCTIONS, type Functions } from './functions.ts';
import { resolveFunctions, VERIFY_STEPS, type FunctionLayer } from './overrides.ts';
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
  /** Set when a variant of the configuration overrides functions (model/overrides.ts), else null. */
  readonly user: UserFunctions | null;
}

/** What a configuration with overridden functions needs at run time (model/step.ts). */
export interface UserFunctions {
  readonly layers: readonly FunctionLayer[];
  /** Steps that ran an override still to be run twice for the determinism check (counts down). */
  verifyLeft: number;
}

/** One resolved table and check budget per set of layers, shared by every resolveConfig of it. */
const userCache = new Map<string, { fns: Functions; user: UserFunctions }>();

export function resolveConfig(c: Config): Resolved {
  const scenario = findScenario(c.scenario);
  if (!scenario) {
    throw new ConfigError(`unknown scenario '${c.scenario}' (valid: ${SCENARIOS.map((s) => s.id).join(', ')})`);
  }
  let flags: Flags = DEFAULT_FLAGS;
  const layers: FunctionLayer[] = [];
  for (const comp of CONFIG_COMPONENTS) {
    // A configuration written before dom0/toolstack existed names neither: use the documented default.
    const id = (c as Partial<Config>)[comp] ?? DEFAULT_VARIANT[comp];
    const v = findVariant(comp, id);
    if (!v) {
      throw new ConfigError(`unknown ${comp} variant '${id}' (valid: ${variantsOf(comp).map((x) => x.id).join(', ')})`);
    }
    flags = { ...flags, ...v.flags };
    if (v.layers) layers.push(...v.layers);
  }
  if (layers.length === 0) return { config: c, scenario, flags, fns: BUILTIN_FUNCTIONS, user: null };
  const key = layers.map((l) => `${l.component}/${l.variant}`).join(' ');
  let u = userCache.get(key);
  if (!u) {
    u = { fns: resolveFunctions(layers), user: { layers, verifyLeft: VERIFY_STEPS } };
    userCache.set(key, u);
  }
  return { config: c, scenario, flags, fns: u.fns, user: u.user };
}

export function configLabel(c: Config): string {
  return `scenario=${c.scenario} guest=${c.guest} qemu=${c.qemu} xen=${c.xen} dom0=${c.dom0} toolstack=${c.toolstack}`;
}
