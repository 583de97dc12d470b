import { Command } from 'commander'
import { KeywardError } from '@keyward/core'
import type { KeyProvider } from '@keyward/core'
import type { KeywardConfig } from '@keyward/container'
import type { TlsOptions } from '@keyward/server'
import { resolveConfig, type CliIo, type GlobalOptions } from '../cli-session.js'

async function createConfiguredProvider(config: KeywardConfig): Promise<KeyProvider> {
  const { KeyProvider: KeyProviderToken, createKeywardContainer } = await import('@keyward/container')
  // Legacy decryptions the container's binding lets through land in the server's audit log.
  const { recordLegacyDecryptInRequest } = await import('@keyward/server')
  return (
    await createKeywardContainer(config, { onLegacyDecrypt: recordLegacyDecryptInRequest })
  ).getAsync<KeyProvider>(KeyProviderToken)
}

interface ServeFlags {
  host?: string
  port?: string
  logLevel?: string
  tlsCert?: string
  tlsKey?: string
  tlsClientCa?: string
  insecureHttp?: boolean
  strictSigning?: boolean
}

/** TLS files from the flags, else the config's server.tls; both or neither of certificate and key. */
function tlsOf(o: ServeFlags, config: KeywardConfig): TlsOptions | undefined {
  if (o.tlsCert === undefined && o.tlsKey === undefined) {
    if (o.tlsClientCa !== undefined && !config.server.tls)
      throw new KeywardError('InvalidParameter', '--tls-client-ca needs --tls-cert and --tls-key.')
    return config.server.tls && { ...config.server.tls, ...(o.tlsClientCa ? { clientCaFile: o.tlsClientCa } : {}) }
  }
  if (o.tlsCert === undefined || o.tlsKey === undefined)
    throw new KeywardError('InvalidParameter', '--tls-cert and --tls-key go together.')
  const clientCaFile = o.tlsClientCa ?? config.server.tls?.clientCaFile
  return { certFile: o.tlsCert, keyFile: o.tlsKey, ...(clientCaFile ? { clientCaFile } : {}) }
}

function portOf(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN
  if (!(port >= 0 && port <= 65535))
    throw new KeywardError(
      'InvalidParameterValue',
      `--port ${JSON.stringify(value)}: expected 0-65535 (0 = any free port).`,
    )
  return port
}

/**
 * `keyward serve`: the Tencent-KMS-compatible server on the embedded stores; prints the endpoint and (first start)
 * the dev credentials, then `listening on http(s)://H:P`; SIGINT/SIGTERM close it cleanly, SIGHUP re-reads the TLS
 * files. A non-loopback --host needs TLS or --insecure-http. Resolves once closed.
 */
export function serveCommand(globals: () => GlobalOptions, io: CliIo): Command {
  return new Command('serve')
    .description(
      'Run the Tencent-KMS-API-compatible server over the configured provider (default: software keys in $KEYWARD_HOME)',
    )
    .option('--host <host>', 'address to bind (default 127.0.0.1, or server.host of the config)')
    .option('--port <port>', 'port (default 8300; 0 = any free port)')
    .option('--log-level <level>', 'JSON request log level on stderr (default info)')
    .option(
      '--tls-cert <file>',
      'HTTPS: server certificate (chain), PEM; re-read with the key on SIGHUP (or server.tls.certFile)',
    )
    .option('--tls-key <file>', 'HTTPS: its private key, PEM, not world-readable (or server.tls.keyFile)')
    .option(
      '--tls-client-ca <file>',
      'mutual TLS: clients must present a certificate this CA issued (or server.tls.clientCaFile)',
    )
    .option('--insecure-http', 'allow plain HTTP on a non-loopback --host (not recommended; or server.insecureHttp)')
    .option(
      '--strict-signing',
      'require x-tc-action in SignedHeaders and refuse replayed signatures; stock SDKs do not sign the action (or server.strictSigning)',
    )
    .addHelpText(
      'after',
      [
        '\nExamples:',
        '  keyward serve --port 8300',
        '  keyward kms ListKeys --endpoint 127.0.0.1:8300   # with TENCENTCLOUD_SECRET_ID/KEY as printed',
        '  keyward serve --host 0.0.0.0 --tls-cert /etc/keyward/tls.crt --tls-key /etc/keyward/tls.key   # kill -HUP reloads them',
      ].join('\n'),
    )
    .action(async (o: ServeFlags) => {
      const g = globals()
      if (g.endpoint || g.region) {
        throw new KeywardError(
          'InvalidParameter',
          'serve takes its backend from the configuration: to proxy Tencent KMS set provider "tencent-kms" and tencent.region/endpoint in keyward.config.json (or KEYWARD_PROVIDER=tencent-kms with TENCENTCLOUD_* env).',
        )
      }
      const config = await resolveConfig(g)
      const tls = tlsOf(o, config)
      const { applyCompliance } = await import('@keyward/container')
      const { cryptoModule } = applyCompliance(config, "keyward serve's configuration")
      if (config.compliance === 'fips') io.err.write(`fips compliance profile: ${cryptoModule.detail}.\n`)
      const { runServe } = await import('@keyward/server')
      // The configured provider: software (default, built by runServe over <home>/keys.db), a PKCS#11 HSM, or
      // Tencent KMS itself (serve then is a proxy adding accounts, policy and audit).
      const provider = config.provider === 'software' ? undefined : await createConfiguredProvider(config)
      // Signal handlers go in before the server starts: `listening on` reaches a pipe synchronously, and a SIGTERM
      // that a supervisor sends the moment it reads that line must close the server, not kill it mid-write.
      let server: Awaited<ReturnType<typeof runServe>> | undefined
      let stopRequested = (): void => undefined
      const stopped = new Promise<void>((resolve) => (stopRequested = resolve))
      // Certificate renewal: new connections get the re-read files; a bad set is reported and the old one kept.
      const reload = (): void => {
        if (!server) return
        try {
          server.reloadTls()
          io.err.write('TLS certificate and key reloaded\n')
        } catch (e) {
          io.err.write(`TLS reload failed, still serving the previous certificate: ${(e as Error).message}\n`)
        }
      }
      const unlisten = (): void => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        process.off('SIGHUP', reload)
      }
      function stop(): void {
        unlisten()
        io.err.write('closing\n')
        stopRequested()
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
      if (tls) process.on('SIGHUP', reload)
      try {
        server = await runServe({
          ...(provider ? { provider } : {}),
          home: config.home,
          host: o.host ?? config.server.host,
          port: portOf(o.port, config.server.port),
          out: io.out,
          ...(o.logLevel ? { logLevel: o.logLevel } : {}),
          ...(tls ? { tls } : {}),
          ...(o.insecureHttp || config.server.insecureHttp ? { insecureHttp: true } : {}),
          ...(o.strictSigning || config.server.strictSigning ? { strictSigning: true } : {}),
          compliance: config.compliance,
          ...(config.allowLegacyDecrypt ? { allowLegacyDecrypt: true } : {}),
        })
      } catch (e) {
        unlisten()
        throw e
      }
      await stopped
      await server.close()
    })
}
