import { Command } from 'commander'
import { KeywardError } from '@keyward/core'
import type { KeyProvider } from '@keyward/core'
import type { KeywardConfig } from '@keyward/container'
import { resolveConfig, type CliIo, type GlobalOptions } from '../cli-session.js'

async function createConfiguredProvider(config: KeywardConfig): Promise<KeyProvider> {
  const { KeyProvider: KeyProviderToken, createKeywardContainer } = await import('@keyward/container')
  return (await createKeywardContainer(config)).getAsync<KeyProvider>(KeyProviderToken)
}

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
    .description('Run the Tencent-KMS-API-compatible server over the configured provider (default: software keys in $KEYWARD_HOME)')
    .option('--host <host>', 'address to bind (default 127.0.0.1, or server.host of the config)')
    .option('--port <port>', 'port (default 8300; 0 = any free port)')
    .option('--log-level <level>', 'JSON request log level on stderr (default info)')
    .addHelpText('after', '\nExample:\n  keyward serve --port 8300\n  keyward kms ListKeys --endpoint 127.0.0.1:8300   # with TENCENTCLOUD_SECRET_ID/KEY as printed')
    .action(async (o: ServeFlags) => {
      const g = globals()
      if (g.endpoint || g.region) {
        throw new KeywardError('InvalidParameter', 'serve takes its backend from the configuration: to proxy Tencent KMS set provider "tencent-kms" and tencent.region/endpoint in keyward.config.json (or KEYWARD_PROVIDER=tencent-kms with TENCENTCLOUD_* env).')
      }
      const config = await resolveConfig(g)
      const { runServe } = await import('@keyward/server')
      // The configured provider: software (default, built by runServe over <home>/keys.db), a PKCS#11 HSM, or
      // Tencent KMS itself (serve then is a proxy adding accounts, policy and audit).
      const provider = config.provider === 'software' ? undefined : await createConfiguredProvider(config)
      const server = await runServe({
        ...(provider ? { provider } : {}),
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
