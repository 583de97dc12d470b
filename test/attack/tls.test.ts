/**
 * Finding 3 (transport part): `keyward serve` spoke plain HTTP only. Now it serves HTTPS from PEM files (reloaded
 * on demand), mutual TLS with a client CA, and refuses plain HTTP on a non-loopback address unless told
 * `insecureHttp`. Checked with clients we did not write: the real Tencent SDK over https and curl.
 */
import { execFile } from 'node:child_process'
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs'
import { Agent } from 'node:https'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { kms } from 'tencentcloud-sdk-nodejs/tencentcloud/services/kms/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TencentKmsKeyProvider } from '@keyward/provider-tencent-kms'
import { codeOf, requireBinary, tempDir } from '@keyward/test-support'
import { ADMIN, b64, startAttackServer, type AttackServer } from './attack-harness.js'
import { makeCa, makeCert, type PemPair } from './test-certs.js'

function httpsSdk(url: string, agent: Agent) {
  return new kms.v20190118.Client({
    credential: ADMIN,
    region: 'ap-guangzhou',
    profile: { httpProfile: { endpoint: url.replace('https://', ''), protocol: 'https://', agent, reqTimeout: 10 } },
  })
}

function curl(args: string[]): Promise<{ code: number; stdout: string }> {
  const bin = requireBinary('curl')
  return new Promise((resolve) => {
    execFile(bin, ['-sS', '--max-time', '10', ...args], (error, stdout) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
    )
  })
}

function peerCommonName(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(String(s.getPeerCertificate().subject.CN))
      s.end()
    })
    s.on('error', reject)
  })
}

describe('attack 3: TLS', () => {
  let dir: string
  let remove: () => void
  let ca: PemPair
  let server: PemPair
  let client: PemPair
  beforeAll(() => {
    ;({ dir, remove } = tempDir('keyward-attack-tls-'))
    ca = makeCa(dir, 'test-ca')
    server = makeCert(dir, ca, 'kms-server-1', 'server')
    client = makeCert(dir, ca, 'app-client', 'client')
  })
  afterAll(() => remove())

  describe('HTTPS', () => {
    let t: AttackServer
    beforeAll(async () => {
      t = await startAttackServer({ tls: { certFile: server.certFile, keyFile: server.keyFile } })
    })
    afterAll(async () => {
      await t.close()
    })

    it('the real SDK over https with the CA trusted works unchanged; without it, the connection is refused', async () => {
      expect(t.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      const sdk = httpsSdk(t.url, new Agent({ ca: ca.cert }))
      const k = (await sdk.CreateKey({ Alias: 'over-tls' })).KeyId!
      const blob = (await sdk.Encrypt({ KeyId: k, Plaintext: b64('on the wire, encrypted') })).CiphertextBlob!
      expect(Buffer.from((await sdk.Decrypt({ CiphertextBlob: blob })).Plaintext!, 'base64').toString()).toBe(
        'on the wire, encrypted',
      )
      await expect(httpsSdk(t.url, new Agent()).GetRegions()).rejects.toThrow(
        /self-signed|unable to verify|certificate/i,
      )
    })

    it('curl --cacert reaches it (health and a Tencent-shaped refusal); curl without the CA does not', async () => {
      const health = await curl(['--cacert', ca.certFile, `${t.url}/healthz`])
      expect(health).toEqual({ code: 0, stdout: '{"status":"ok"}' })
      const unsigned = await curl([
        '--cacert',
        ca.certFile,
        '-X',
        'POST',
        '-H',
        'Content-Type: application/json',
        '-H',
        'X-TC-Action: ListKeys',
        '--data',
        '{}',
        `${t.url}/`,
      ])
      expect(JSON.parse(unsigned.stdout)).toMatchObject({ Response: { Error: { Code: 'MissingParameter' } } })
      expect((await curl([`${t.url}/healthz`])).code).toBe(60)
    })

    it("Keyward's Tencent provider reaches it with the CA given as `ca`", async () => {
      const p = new TencentKmsKeyProvider({
        endpoint: t.url.replace('https://', ''),
        protocol: 'https',
        credentials: ADMIN,
        ca: ca.cert,
      })
      try {
        expect((await p.listKeys()).totalCount).toBeGreaterThan(0)
      } finally {
        await p.close()
      }
    })

    it('reloadTls() serves renewed files to new connections; a broken set is refused and the old one kept', async () => {
      expect(await peerCommonName(t.server.port, ca.cert)).toBe('kms-server-1')
      const renewed = makeCert(dir, ca, 'kms-server-2', 'server')
      copyFileSync(renewed.certFile, server.certFile)
      copyFileSync(renewed.keyFile, server.keyFile)
      t.server.reloadTls()
      expect(await peerCommonName(t.server.port, ca.cert)).toBe('kms-server-2')
      // A certificate whose key is not the one beside it: refused, the renewed pair stays in service.
      copyFileSync(makeCert(dir, ca, 'kms-server-3', 'server').certFile, server.certFile)
      expect(() => t.server.reloadTls()).toThrow(/do not form a usable context/)
      expect(await peerCommonName(t.server.port, ca.cert)).toBe('kms-server-2')
      copyFileSync(renewed.certFile, server.certFile)
    })
  })

  describe('mutual TLS (client CA)', () => {
    let t: AttackServer
    beforeAll(async () => {
      t = await startAttackServer({
        tls: { certFile: server.certFile, keyFile: server.keyFile, clientCaFile: ca.certFile },
      })
    })
    afterAll(async () => {
      await t.close()
    })

    it('a client with a certificate from the client CA gets in; one without is refused at the handshake, and audited', async () => {
      const withCert = httpsSdk(t.url, new Agent({ ca: ca.cert, cert: client.cert, key: client.key }))
      expect((await withCert.GetRegions()).Regions).toEqual(['ap-guangzhou'])
      await expect(httpsSdk(t.url, new Agent({ ca: ca.cert })).GetRegions()).rejects.toThrow()
      expect((await curl(['--cacert', ca.certFile, `${t.url}/healthz`])).code).not.toBe(0)
      expect(
        await curl(['--cacert', ca.certFile, '--cert', client.certFile, '--key', client.keyFile, `${t.url}/healthz`]),
      ).toEqual({ code: 0, stdout: '{"status":"ok"}' })
      await new Promise((r) => setTimeout(r, 100))
      await t.server.store.audit.drain()
      const refused = (await t.server.store.audit.entries(0, 10_000)).filter(
        (e) => e.result === 'AuthFailure.InvalidAuthorization' && e.action === 'Unknown',
      )
      expect(refused.length).toBeGreaterThanOrEqual(2)
    })
  })

  describe('what the server refuses to start with', () => {
    it('plain HTTP on a non-loopback address, unless insecureHttp', async () => {
      expect(await codeOf(startAttackServer({ host: '0.0.0.0' }))).toBe('InvalidParameterValue')
      const t = await startAttackServer({ host: '0.0.0.0', insecureHttp: true })
      await t.close()
    })

    it('a world-readable private key, a device or a directory as a TLS file', async () => {
      const loose = join(dir, 'loose.key')
      copyFileSync(server.keyFile, loose)
      chmodSync(loose, 0o644)
      expect(await codeOf(startAttackServer({ tls: { certFile: server.certFile, keyFile: loose } }))).toBe(
        'InvalidParameterValue',
      )
      expect(await codeOf(startAttackServer({ tls: { certFile: '/dev/zero', keyFile: server.keyFile } }))).toBe(
        'InvalidParameterValue',
      )
      expect(await codeOf(startAttackServer({ tls: { certFile: dir, keyFile: server.keyFile } }))).toBe(
        'InvalidParameterValue',
      )
      writeFileSync(join(dir, 'not.pem'), 'hello')
      expect(
        await codeOf(startAttackServer({ tls: { certFile: join(dir, 'not.pem'), keyFile: server.keyFile } })),
      ).toBe('InvalidParameterValue')
    })
  })
})
