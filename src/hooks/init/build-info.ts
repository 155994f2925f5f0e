// Adds build information (git commit, build time) to `ovn-bgp --version`: the oclif user agent
// is what the version flag prints, and the init hook runs before it.
import type {Hook} from '@oclif/core'

import {readFileSync} from 'node:fs'
import {join} from 'node:path'

interface BuildInfo {
  commit: string
  date: string
}

function readBuildInfo(root: string): BuildInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(root, 'dist', 'build-info.json'), 'utf8')) as BuildInfo
  } catch {
    return undefined
  }
}

const hook: Hook.Init = async function () {
  const info = readBuildInfo(this.config.root)
  const extra = info ? `commit ${info.commit} built ${info.date}` : 'development build'
  const config = this.config as {userAgent: string}
  if (!config.userAgent.includes(extra)) config.userAgent = `${config.userAgent} ${extra}`
}

export default hook
