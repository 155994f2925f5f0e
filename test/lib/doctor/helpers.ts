import type {AgentConfig} from '../../../src/lib/config/types.js'
import type {DoctorContext, DoctorFacts, DoctorFs, IpLink, NbFacts, OvsFacts} from '../../../src/lib/doctor/types.js'

// Test fixtures for doctor checks: a file map for the fs seam, a RecordingRunner answering by
// argv, and a context built from the default configuration plus overrides.
import {defaultConfig} from '../../../src/lib/config/load.js'
import {createDoctorContext} from '../../../src/lib/doctor/context.js'
import {RecordingRunner, type RunResult} from '../../../src/lib/exec/runner.js'

export const RELEASE = '6.1.0-56-amd64'

export function mapFs(files: Record<string, string>): DoctorFs {
  return {readText: async (path) => files[path]}
}

export type Answer = (file: string, args: readonly string[]) => RunResult | undefined

export function ok(stdout: string): RunResult {
  return {code: 0, stdout, stderr: ''}
}

export function linksAnswer(links: IpLink[]): Answer {
  return (file, args) =>
    file.endsWith('/ip') && args.join(' ') === '-j -d link show' ? ok(JSON.stringify(links)) : undefined
}

export const OVS: OvsFacts = {
  systemId: 'chassis-1',
  hostname: 'node-1',
  bridgeMappings: 'physnet1:br-ex',
  nbRemote: 'tcp:192.0.2.10:6641',
}
export const NB: NbFacts = {
  remote: 'tcp:192.0.2.10:6641',
  schemaVersion: '7.1.0',
  lrpStatusColumn: true,
  localnetVlans: [],
}

export interface CtxOptions {
  config?: Partial<AgentConfig>
  files?: Record<string, string>
  answers?: Answer[]
  facts?: DoctorFacts
}

export function ctxWith(opts: CtxOptions = {}): {ctx: DoctorContext; runner: RecordingRunner} {
  const answers = opts.answers ?? []
  const runner = new RecordingRunner((file, args) => {
    for (const a of answers) {
      const r = a(file, args)
      if (r) return r
    }

    return {code: 127, stdout: '', stderr: `unexpected call: ${file} ${args.join(' ')}`}
  })
  const ctx = createDoctorContext({
    config: {...defaultConfig(), ...opts.config},
    runner,
    fs: mapFs(opts.files ?? {}),
    kernelRelease: RELEASE,
    facts: opts.facts ?? {ovs: {ok: true, value: OVS}, nb: {ok: true, value: NB}},
  })
  return {ctx, runner}
}
