// Command tests run real commands in-process; this swaps the Runtime they build (through
// runtimeFactory) for one with test options (short OVS timeouts, a namespace runner) and, when
// given, stand-in kernel parts (MemoryKernel, a recording ensureBase). One copy for every test.
import type {KernelFactory} from '../../src/lib/reconciler/kernel-parts.js'

import {Runtime, runtimeFactory, type RuntimeOptions} from '../../src/lib/runtime.js'

/**
 * From now on, every Runtime a command creates gets `overrides` on top of the command's own options
 * and, with `kernel`, that kernel factory. Returns the function that puts the real factory back.
 */
export function useTestRuntime(overrides: RuntimeOptions, kernel?: KernelFactory): () => void {
  const original = runtimeFactory.create
  runtimeFactory.create = (cfg, logger, opts = {}) =>
    kernel
      ? new Runtime(cfg, logger, {...opts, ...overrides}, kernel)
      : new Runtime(cfg, logger, {...opts, ...overrides})
  return () => {
    runtimeFactory.create = original
  }
}
