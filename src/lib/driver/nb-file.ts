// An NB database FILE standing in for a live NB server (`--nb-file`): support answers "what should
// compute-7 expose?" from a customer's `ovsdb-client backup` (a standalone database file) or a copy
// of a server's database (standalone or clustered). The file is copied into a private directory
// (the original is never opened for writing), a clustered copy is converted to standalone, and a
// private ovsdb-server serves it on a unix socket there; the usual NB client then reads it exactly
// as it reads a live server. close() stops the server and removes the directory.
import {type ChildProcess, spawn} from 'node:child_process'
import {copyFile, mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

import type {CommandRunner} from '../exec/runner.js'

import {ConfigError, DependencyError} from '../errors.js'

export interface NbFileOptions {
  runner: CommandRunner
  ovsdbServerPath?: string
  ovsdbToolPath?: string
  timeoutMs?: number
}

const sleep = (ms: number) =>
  new Promise((r) => {
    setTimeout(r, ms)
  })

export class NbFileServer {
  private constructor(
    readonly remote: string,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(file: string, opts: NbFileOptions): Promise<NbFileServer> {
    const path = resolve(file)
    const st = await stat(path).catch(() => undefined)
    if (!st?.isFile())
      throw new ConfigError(`--nb-file ${JSON.stringify(file)}: not a readable file`, {code: 'NB_FILE_INVALID'})
    const tool = opts.ovsdbToolPath ?? 'ovsdb-tool'
    const dir = await mkdtemp(join(tmpdir(), 'ovn-bgp-nbfile-'))
    try {
      const copy = join(dir, 'copy.db')
      await copyFile(path, copy)
      let db = copy
      const clustered = await opts.runner.run(tool, ['db-is-clustered', copy])
      if (clustered.code === 0) {
        db = join(dir, 'nb.db')
        const conv = await opts.runner.run(tool, ['cluster-to-standalone', db, copy])
        if (conv.code !== 0)
          throw new ConfigError(`--nb-file: cannot convert the clustered database: ${conv.stderr.trim()}`, {
            code: 'NB_FILE_INVALID',
          })
      } else {
        const check = await opts.runner.run(tool, ['db-name', copy])
        if (check.code !== 0)
          throw new ConfigError(
            `--nb-file ${JSON.stringify(file)} is not an OVSDB database file: ${check.stderr.trim()}`,
            {code: 'NB_FILE_INVALID'},
          )
        if (check.stdout.trim() !== 'OVN_Northbound')
          throw new ConfigError(`--nb-file holds database ${check.stdout.trim()}, not OVN_Northbound`, {
            code: 'NB_FILE_INVALID',
          })
      }

      const sock = join(dir, 'nb.sock')
      const child = spawn(
        opts.ovsdbServerPath ?? 'ovsdb-server',
        [
          `--remote=punix:${sock}`,
          `--unixctl=${join(dir, 'ctl')}`,
          '--no-chdir',
          `--log-file=${join(dir, 'ovsdb-server.log')}`,
          '-vconsole:off',
          db,
        ],
        {stdio: 'ignore'},
      )
      const exited = new Promise<void>((r) => {
        child.once('exit', () => r())
      })
      child.once('error', () => undefined)
      const end = Date.now() + (opts.timeoutMs ?? 10_000)
      for (;;) {
        if (
          await stat(sock).then(
            () => true,
            () => false,
          )
        )
          break
        if (child.exitCode !== null || child.pid === undefined || Date.now() > end) {
          child.kill('SIGKILL')
          await Promise.race([exited, sleep(500)])
          throw new DependencyError(
            `--nb-file: the private ovsdb-server did not start (see ${join(dir, 'ovsdb-server.log')})`,
            {code: 'NB_FILE_SERVER'},
          )
        }

        await sleep(20)
      }

      return new NbFileServer(`unix:${sock}`, dir, child)
    } catch (error) {
      await rm(dir, {recursive: true, force: true})
      throw error
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null) {
      const done = new Promise((r) => {
        this.child.once('exit', r)
      })
      this.child.kill('SIGTERM')
      await Promise.race([done, sleep(2000)])
      if (this.child.exitCode === null) this.child.kill('SIGKILL')
    }

    await rm(this.dir, {recursive: true, force: true})
  }
}
