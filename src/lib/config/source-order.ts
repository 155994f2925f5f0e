// The order in which configuration files and directories apply, as oslo.config does it: every
// --config-file and --config-dir is applied in the order it appears on the command line, a later
// one overriding an earlier one (a directory contributes its *.conf files in sorted order), and
// --config-dir may be given several times. oclif hands back each flag's values separately, so the
// interleaving is read from argv.

export interface ConfigSourceArg {
  kind: 'file' | 'dir'
  path: string
}

const FLAG_KIND: Record<string, ConfigSourceArg['kind']> = {'--config-file': 'file', '--config-dir': 'dir'}

/**
 * The --config-file / --config-dir values of `argv` in command-line order (`--flag value` and
 * `--flag=value`; nothing after `--`). `files` and `dirs` are what the flag parser returned: when
 * argv does not account for exactly those (a value from elsewhere), the order falls back to all
 * files, then all directories.
 */
export function configSourceOrder(
  argv: readonly string[],
  files: readonly string[],
  dirs: readonly string[],
): ConfigSourceArg[] {
  const out: ConfigSourceArg[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') break
    const eq = a.indexOf('=')
    const name = eq > 0 ? a.slice(0, eq) : a
    const kind = FLAG_KIND[name]
    if (!kind) continue
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i]
    if (value !== undefined) out.push({kind, path: value})
  }

  const same = (kind: ConfigSourceArg['kind'], want: readonly string[]) => {
    const got = out.filter((s) => s.kind === kind).map((s) => s.path)
    return got.length === want.length && got.every((p, i) => p === want[i])
  }

  if (same('file', files) && same('dir', dirs)) return out
  return [
    ...files.map((path) => ({kind: 'file' as const, path})),
    ...dirs.map((path) => ({kind: 'dir' as const, path})),
  ]
}
