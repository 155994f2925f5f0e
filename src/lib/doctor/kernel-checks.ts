import type {CheckResult, DoctorCheck, DoctorContext} from './types.js'

// Kernel support for the link types the agent creates: vrf (bgp_vrf), dummy (bgp_nic) and, when
// provider networks use VLANs, 8021q (bridge[:10].<tag>).
//
// Why static evidence rather than a trial `ip link add` in a throwaway netns: the trial needs root
// and CAP_SYS_ADMIN (netns), loads modules as a side effect, and the doctor must be safe to run
// unprivileged on a production node. The kernel's own records are reliable and side-effect free,
// consulted in this order:
//   1. a link of that kind already exists (ip -d link): support is proven;
//   2. /proc/modules lists the module: loaded;
//   3. /lib/modules/<release>/modules.builtin lists it: compiled in;
//   4. /lib/modules/<release>/modules.dep lists it: loadable; `ip link add ... type <kind>` makes
//      the kernel load it on demand through its `rtnl-link-<kind>` alias;
//   5. /boot/config-<release> says `CONFIG_X=y`: built in (kernels without module support, whose
//      /lib/modules may be absent).
// None of these -> fail; the kernel config, when present, tells "built without" from "modules missing". A container without /lib/modules, or a kernel built without the option
// (e.g. some microVM kernels), ends there, which is exactly the case to report.
import {effectiveMappings, errorText, expectedVlanDevices} from './context.js'

type ModuleEvidence = 'link-exists' | 'loaded' | 'builtin' | 'loadable'

/** Module file names match with `-` and `_` treated alike, compressed or not. */
function moduleListed(text: string, module: string, withColon: boolean): boolean {
  const name = module.replaceAll(/[-_]/g, '[-_]')
  const re = new RegExp(`(^|/)${name}\\.ko(\\.(xz|zst|gz))?${withColon ? ':' : String.raw`\s*$`}`, 'm')
  return re.test(text)
}

async function moduleEvidence(
  ctx: DoctorContext,
  module: string,
  linkKind: string,
  symbol: string,
): Promise<{evidence?: ModuleEvidence; notes: string[]}> {
  const notes: string[] = []
  try {
    if ((await ctx.links()).some((l) => l.linkinfo?.info_kind === linkKind)) return {evidence: 'link-exists', notes}
  } catch (error) {
    notes.push(`links not listed (${errorText(error)})`)
  }

  const loaded = await ctx.fs.readText('/proc/modules')
  if (loaded === undefined) {
    notes.push('no /proc/modules (kernel without module support?)')
  } else {
    const underscored = module.replaceAll('-', '_')
    if (loaded.split('\n').some((l) => l.split(' ')[0] === underscored)) return {evidence: 'loaded', notes}
  }

  const dir = `/lib/modules/${ctx.kernelRelease}`
  const builtin = await ctx.fs.readText(`${dir}/modules.builtin`)
  if (builtin !== undefined && moduleListed(builtin, module, false)) return {evidence: 'builtin', notes}
  const dep = await ctx.fs.readText(`${dir}/modules.dep`)
  if (dep !== undefined && moduleListed(dep, module, true)) return {evidence: 'loadable', notes}
  if (builtin === undefined && dep === undefined) notes.push(`no module tree at ${dir}`)
  const kconfig = await ctx.fs.readText(`/boot/config-${ctx.kernelRelease}`)
  if (kconfig !== undefined) {
    const value = new RegExp(`^${symbol}=(\\w+)`, 'm').exec(kconfig)?.[1]
    if (value === 'y') return {evidence: 'builtin', notes}
    notes.push(
      value === 'm'
        ? `${symbol}=m in /boot/config-${ctx.kernelRelease} but the module is not installed`
        : `${symbol} is not set in /boot/config-${ctx.kernelRelease}`,
    )
  }

  return {notes}
}

const EVIDENCE_TEXT: Record<ModuleEvidence, string> = {
  'link-exists': 'a link of this kind exists',
  loaded: 'module loaded',
  builtin: 'built into the kernel',
  loadable: 'module available, loaded on first use',
}

async function moduleVerdict(
  ctx: DoctorContext,
  module: string,
  linkKind: string,
  config: string,
  why: string,
): Promise<CheckResult> {
  const {evidence, notes} = await moduleEvidence(ctx, module, linkKind, config)
  if (evidence) return {status: 'pass', detail: `${module}: ${EVIDENCE_TEXT[evidence]} (kernel ${ctx.kernelRelease})`}
  return {
    status: 'fail',
    detail: `${module}: not loaded, not built in, not in modules.dep of kernel ${ctx.kernelRelease}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}; ${why}`,
    fix: `Boot a kernel with ${config} (as a module or built in) and install its modules (e.g. the linux-modules package for ${ctx.kernelRelease}), then \`modprobe ${module}\`.`,
  }
}

export const kernelVrfCheck: DoctorCheck = {
  id: 'kernel-vrf',
  title: 'Kernel VRF support',
  category: 'environment',
  run: (ctx) => moduleVerdict(ctx, 'vrf', 'vrf', 'CONFIG_NET_VRF', `the agent creates the VRF ${ctx.config.bgpVrf}`),
}

export const kernelDummyCheck: DoctorCheck = {
  id: 'kernel-dummy',
  title: 'Kernel dummy link support',
  category: 'environment',
  run: (ctx) =>
    moduleVerdict(ctx, 'dummy', 'dummy', 'CONFIG_DUMMY', `the agent creates the dummy device ${ctx.config.bgpNic}`),
}

export const kernelVlanCheck: DoctorCheck = {
  id: 'kernel-8021q',
  title: 'Kernel 802.1Q VLAN support (VLAN provider networks)',
  category: 'environment',
  async run(ctx) {
    const {nb} = ctx.facts
    if (nb === undefined || !nb.ok) {
      // Without NB we cannot tell whether VLAN networks exist: check anyway, but only warn.
      const r = await moduleVerdict(ctx, '8021q', 'vlan', 'CONFIG_VLAN_8021Q', 'needed only for VLAN provider networks')
      if (r.status === 'pass') return r
      return {
        ...r,
        status: 'warn',
        detail: `${r.detail} (NB not read: cannot tell whether VLAN provider networks are used)`,
      }
    }

    const devices = expectedVlanDevices(ctx)
    if (devices.length === 0) {
      const mapped = effectiveMappings(ctx).mappings.length
      return {
        status: 'pass',
        detail: `not needed: no localnet port with a VLAN tag on ${mapped === 0 ? 'a mapped physnet' : 'the mapped physnets'}`,
      }
    }

    return moduleVerdict(
      ctx,
      '8021q',
      'vlan',
      'CONFIG_VLAN_8021Q',
      `the agent creates ${devices.map((d) => d.name).join(', ')}`,
    )
  },
}
