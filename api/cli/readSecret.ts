import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** Nothing typed is echoed: readline echoes into this. */
const silent = new Writable({ write: (_chunk, _encoding, done) => done() });

/** The first line of standard input, trimmed; at a terminal, after a prompt on stderr, without echo. */
export async function readSecret(prompt: string): Promise<string> {
  const terminal = process.stdin.isTTY === true;
  if (terminal) process.stderr.write(prompt);
  const lines = createInterface({ input: process.stdin, output: terminal ? silent : undefined, terminal });
  try {
    for await (const line of lines) return line.trim();
    return '';
  } finally {
    lines.close();
    if (terminal) process.stderr.write('\n');
  }
}
