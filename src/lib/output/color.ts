// The chalk instance of every human rendering. chalk only looks at FORCE_COLOR and the terminal;
// NO_COLOR (https://no-color.org: set and not empty) turns colour off unless FORCE_COLOR is set.
import {Chalk, type ChalkInstance} from 'chalk'

function colorFor(env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const off = Boolean(env.NO_COLOR) && env.FORCE_COLOR === undefined
  return off ? new Chalk({level: 0}) : new Chalk()
}

export const color = colorFor()
