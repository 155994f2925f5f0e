#!/usr/bin/env node
import {execute} from '@oclif/core'

import {quietOnClosedPipe} from '../dist/lib/cli/closed-pipe.js'

quietOnClosedPipe()
await execute({dir: import.meta.url})
