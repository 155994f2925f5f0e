// What the daemon needs from the node, handed to it by whoever builds it (the composition root,
// src/lib/runtime.ts, implements this; tests hand in a Runtime on fakes or private daemons). The
// daemon never builds a connection or a layer itself, so it depends on these contracts only.
import type {FrrLeak} from '../frr/leak.js'
import type {Vtysh} from '../frr/vtysh.js'
import type {LocalOvs} from '../ovs/local-ovs.js'
import type {OfctlFlows} from '../ovs/ofctl.js'
import type {KernelParts} from '../reconciler/kernel-parts.js'
import type {Reconciler} from '../reconciler/reconcile.js'
import type {NbSource, NbSourceHandlers} from './nb-source.js'

export interface DaemonSeams {
  /** Selects the netlink-watched kernel layer; called before the first kernel(). */
  useWatchedKernel(): void
  /** The local Open_vSwitch facts; undefined when OVS is optional (identity configured) and absent. */
  ovs(): Promise<LocalOvs | undefined>
  /** state_dir is writable, or a DependencyError naming it. */
  checkStateDir(): Promise<void>
  reconciler(): Promise<Reconciler>
  /** The NB replica holding a complete snapshot; `handlers` get every later change. */
  nb(handlers: NbSourceHandlers): Promise<NbSource>
  kernel(): KernelParts
  vtysh(): Vtysh
  frr(): FrrLeak
  flows(): OfctlFlows
  /** Ends running external commands (SIGTERM) and refuses new ones: the first step of stopping. */
  stopCommands(): void
  /** Closes every connection and child; ends a pending wait for NB or OVS. */
  close(): Promise<void>
}
