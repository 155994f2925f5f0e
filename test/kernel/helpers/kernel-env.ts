// A private network namespace wired like a node for kernel-layer tests: a Linux bridge standing in
// for each OVS provider bridge, a Kernel whose commands all run inside the namespace, and a private
// state dir for the ledger. `close()` deletes the namespace and the state dir.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {BaseOptions, ObserveScope} from '../../../src/lib/kernel/types.js'

import {Kernel} from '../../../src/lib/kernel/kernel.js'
import {NullLogger} from '../../../src/lib/log.js'
import {Netns} from './guest.js'

export interface KernelEnv {
  ns: Netns
  kernel: Kernel
  stateDir: string
  base: BaseOptions
  scope: ObserveScope
  close(): Promise<void>
}

export interface KernelEnvOptions {
  bridges?: Array<{name: string; table: number}>
  vrfTable?: number
}

export async function kernelEnv(area: string, opts: KernelEnvOptions = {}): Promise<KernelEnv> {
  const ns = await Netns.create(area)
  const bridges = opts.bridges ?? [{name: 'br-ex', table: 200}]
  for (const b of bridges) {
    await ns.ip('link', 'add', b.name, 'type', 'bridge')
    await ns.ip('link', 'set', b.name, 'up')
  }

  const stateDir = mkdtempSync(join(tmpdir(), `${area}-state-`))
  const kernel = new Kernel(ns.runner, {stateDir}, new NullLogger())
  const vrfTable = opts.vrfTable ?? 10
  const base: BaseOptions = {bgpVrf: 'bgp-vrf', vrfTable, bgpNic: 'bgp-nic', bridges}
  const scope: ObserveScope = {bgpNic: 'bgp-nic', bgpVrf: 'bgp-vrf', vrfTable, bridges}
  return {
    ns,
    kernel,
    stateDir,
    base,
    scope,
    async close() {
      await ns.close()
      rmSync(stateDir, {recursive: true, force: true})
    },
  }
}
