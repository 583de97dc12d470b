import { Command } from 'commander'
import { KeywardError } from '@keyward/core'
import { resolveConfig, type CliIo, type GlobalOptions } from '../cli-session.js'

interface ServeFlags {
  host?: string
  port?: string
  logLevel?: string
}

function portOf(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN
  if (!(port >= 0 && port <= 65535)) throw new KeywardError('InvalidParameterValue', `--port ${JSON.stringify(value)}: expected 0-65535 (0 = any free port).`)
  return port
}

/**
 * `keyward serve`: the Tencent-KMS-compatible server on the embedded stores; prints the endpoint and (first start)
 * the dev credentials, then `listening on http://H:P`; SIGINT/SIGTERM close it cleanly. Resolves once closed.
 */
export function serveCommand(globals: () => GlobalOptions, io: CliIo): Command {
  return new Command('serve')
    .description('Run the Tencent-KMS-API-compatible server over the keys in $KEYWARD_HOME')
    .option('--host <host>', 'address to bind (default 127.0.0.1, or server.host of the config)')
    .option('--port <port>', 'port (default 8300; 0 = any free port)')
    .option('--log-level <level>', 'JSON request log level on stderr (default info)')
    .addHelpText('after', '\nExample:\n  keyward serve --port 8300\n  keyward kms ListKeys --endpoint 127.0.0.1:8300   # with TENCENTCLOUD_SECRET_ID/KEY as printed')
    .action(async (o: ServeFlags) => {
      const g = globals()
      if (g.endpoint || g.region) throw new KeywardError('InvalidParameter', 'serve runs the embedded KMS: --endpoint/--region do not apply.')
      // runServe wires the software provider only; refusing beats silently serving other keys than asked for.
      if (g.provider !== undefined && g.provider !== 'software') {
        throw new KeywardError('UnsupportedOperation', `serve runs over the software provider; --provider ${g.provider} is not supported here (use startServer from @keyward/server).`)
      }
      const config = await resolveConfig(g)
      const { runServe } = await import('@keyward/server')
      const server = await runServe({
        home: config.home,
        host: o.host ?? config.server.host,
        port: portOf(o.port, config.server.port),
        out: io.out,
        ...(o.logLevel ? { logLevel: o.logLevel } : {}),
      })
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          io.err.write('closing\n')
          void server.close().finally(resolve)
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
    })
}
