// The --help renderer: oclif's, with command descriptions refilled to the terminal width
// (src/lib/output/reflow.ts) instead of the source's hard line breaks.
import {type Command, Help as OclifHelp} from '@oclif/core'

import {reflow} from './lib/output/reflow.js'

export default class Help extends OclifHelp {
  protected override formatCommand(command: Command.Loadable): string {
    return super.formatCommand(command.description ? {...command, description: reflow(command.description)} : command)
  }
}
