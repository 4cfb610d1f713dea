import { describeCliError, runCli } from '../../src/cli.ts'

/** Runs the CLI in this process as a shell would see it: the exit code and everything it printed. */
export async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = []
  try {
    const code = await runCli(args, (line) => lines.push(line))
    return { code, out: lines.join('\n') }
  } catch (error) {
    const { message, code } = describeCliError(error)
    return { code, out: message }
  }
}
