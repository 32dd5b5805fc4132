// A password prompt on the terminal: the question on stderr, the answer read from stdin in raw
// mode so nothing typed is echoed. Only used when stdin is a TTY; piped input is read as is.
import { UsageError } from '../core/errors.js'

export function terminalPrompt(
  stdin: NodeJS.ReadStream = process.stdin,
  stderr: NodeJS.WriteStream = process.stderr,
): (question: string) => Promise<string> {
  return (question) =>
    new Promise((resolve, reject) => {
      // Echo off before the question shows: anything typed after it must not reach the screen.
      const wasRaw = stdin.isRaw
      stdin.setRawMode(true)
      stdin.resume()
      stderr.write(question)
      let answer = ''
      const done = (err?: Error) => {
        stdin.off('data', onData)
        stdin.setRawMode(wasRaw)
        stdin.pause()
        stderr.write('\n')
        if (err) reject(err)
        else resolve(answer)
      }
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done()
          if (ch === '\u0003') return done(new UsageError('cancelled at the password prompt; nothing was changed'))
          if (ch === '\u0004') {
            if (answer === '') return done(new UsageError('no password typed; nothing was changed'))
            return done()
          }
          if (ch === '\u007f' || ch === '\b') answer = [...answer].slice(0, -1).join('')
          else if (ch >= ' ') answer += ch
        }
      }
      stdin.on('data', onData)
    })
}
