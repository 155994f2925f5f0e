// A mistyped command: a short error with the closest command names, exit 2 (usage error).
import {Errors, type Hook} from '@oclif/core'

import {closest} from '../../lib/cli/suggest.js'

const hook: Hook.CommandNotFound = async function ({id}) {
  if (id === 'sandbox') {
    // not in the release package (scripts/release.mjs): the lab needs the repository's scripts
    throw new Errors.CLIError(
      '"ovn-bgp sandbox" runs from a source checkout only: it needs the VM and namespace scripts of the repository.',
      {
        exit: 2,
        code: 'COMMAND_NOT_FOUND',
        suggestions: [
          'git clone the ovn-bgp repository, then: sh scripts/install-deps.sh && npm run build && ./bin/run.js sandbox',
        ],
      },
    )
  }

  const visible = this.config.commands.filter((c) => !c.hidden).map((c) => c.id)
  const near = closest(id, visible)
  const {bin} = this.config
  const suggestions = near.map((c) => `${bin} ${c}`)
  const hint = near.length > 0 ? `\nDid you mean ${near.map((c) => `"${c}"`).join(' or ')}?` : ''
  throw new Errors.CLIError(`command "${id}" not found.${hint}\nSee "${bin} --help" for the list of commands.`, {
    exit: 2,
    code: 'COMMAND_NOT_FOUND',
    suggestions,
  })
}

export default hook
