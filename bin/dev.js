#!/usr/bin/env -S node --import tsx --no-warnings
import {execute} from '@oclif/core'

import {quietOnClosedPipe} from '../src/lib/cli/closed-pipe.js'

quietOnClosedPipe()
await execute({development: true, dir: import.meta.url})
