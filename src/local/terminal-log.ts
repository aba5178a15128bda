// Where the embedded runtime logs: pretty-printed in a terminal, JSON otherwise (piped, CI). Kept
// here so pino-pretty is bundled only with the local runtime, never with a Lambda.
import pretty from 'pino-pretty'

export function terminalLog(): NodeJS.WritableStream | undefined {
  return process.stdout.isTTY ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : undefined
}
