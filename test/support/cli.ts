import { runCli } from '../../api/cli/main';

/** Runs the CLI in-process with captured output; `stdin` is what a piped standard input would hold. */
export async function cli(args: string[], env: Record<string, string>, stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      readSecret: async () => stdin.split('\n')[0]!.trim(),
    },
    env,
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}
