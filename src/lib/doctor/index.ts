import type {DoctorCheck} from './types.js'

// Public surface of the doctor: every check in report order, the runner, the context and facts.
import {daemonCheck, nbSchemaCheck} from './endpoint-checks.js'
import {frrRouterBgpCheck, frrVtyCheck} from './frr-checks.js'
import {kernelDummyCheck, kernelVlanCheck, kernelVrfCheck} from './kernel-checks.js'
import {interfaceNameCheck, rtTablesCheck, vrfDeviceCheck} from './node-checks.js'
import {bridgeMappingsCheck, chassisIdentityCheck, ofctlCheck, providerBridgesCheck} from './ovs-checks.js'
import {forwardingCheck, proxyArpNdpCheck, rpFilterCheck} from './sysctl-checks.js'

/** All checks, in the order the report lists them: node identity and wiring, kernel, sysctls, FRR, NB, the daemon. */
export const ALL_CHECKS: readonly DoctorCheck[] = [
  chassisIdentityCheck,
  bridgeMappingsCheck,
  interfaceNameCheck,
  providerBridgesCheck,
  ofctlCheck,
  rtTablesCheck,
  vrfDeviceCheck,
  kernelVrfCheck,
  kernelDummyCheck,
  kernelVlanCheck,
  forwardingCheck,
  proxyArpNdpCheck,
  rpFilterCheck,
  frrVtyCheck,
  frrRouterBgpCheck,
  nbSchemaCheck,
  daemonCheck,
]

export {createDoctorContext, nodeDoctorFs} from './context.js'
export {gatherFacts} from './facts.js'
export {runDoctor} from './run.js'
export type * from './types.js'
