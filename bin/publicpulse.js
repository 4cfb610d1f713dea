#!/usr/bin/env node
// The `publicpulse` command: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api'

register()
const { runCli, describeCliError } = await import('../src/cli.ts')
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    const { message, code } = describeCliError(error)
    console.error(message)
    process.exit(code)
  },
)
