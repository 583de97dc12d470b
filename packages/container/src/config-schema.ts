import { COMPLIANCE_PROFILE_NAMES, SYMMETRIC_KEY_SPECS } from '@keyward/core'
import { z } from 'zod'

/** Names of the providers Keyward can wire. */
export const PROVIDER_NAMES = ['software', 'pkcs11', 'tencent-kms'] as const
export type ProviderName = (typeof PROVIDER_NAMES)[number]

const softwareSchema = z.strictObject({
  /** `sqlite` (default, in `home`) or `memory` (keys vanish on exit: tests and demos). */
  store: z.enum(['sqlite', 'memory']).default('sqlite'),
  /**
   * SQLite file; default `<home>/app-keys.db` (the embedded KMS of keyward serve / keyward kms keeps its own keys.db).
   */
  path: z.string().min(1).optional(),
  /** 0600 file holding the base64 root key; default: env KEYWARD_ROOT_KEY, else `<home>/root.key` (dev only). */
  rootKeyFile: z.string().min(1).optional(),
})

const pkcs11Schema = z.strictObject({
  /** PKCS#11 module; default: SoftHSM2's Debian path when present. */
  module: z.string().min(1).optional(),
  /**
   * C_Initialize library parameters, for modules configured by an init string rather than a file: NSS softokn
   * loaded directly needs `configdir='sql:/path/to/db' certPrefix='' keyPrefix='' secmod='secmod.db'`.
   * Env: KEYWARD_PKCS11_LIBRARY_PARAMETERS.
   */
  libraryParameters: z.string().min(1).max(4096).optional(),
  tokenLabel: z.string().min(1).optional(),
  slot: z.number().int().nonnegative().optional(),
  /** Environment variable holding the user PIN. */
  pinEnv: z.string().min(1).default('KEYWARD_PKCS11_PIN'),
  /** File holding the user PIN (alternative to pinEnv). */
  pinFile: z.string().min(1).optional(),
  poolSize: z.number().int().min(1).max(64).default(4),
  /**
   * Metadata store (alias, state, versions) SQLite file; default `<home>/app-pkcs11-meta.db` (the embedded KMS:
   * pkcs11-meta.db).
   */
  metadataPath: z.string().min(1).optional(),
  /** Vendor mechanisms (SM2/SM3/SM4 on Chinese HSMs): name → mechanism id and parameter shape. */
  vendorMechanisms: z
    .record(
      z.string(),
      z.strictObject({
        mechanism: z.union([z.number().int().nonnegative(), z.string().min(1)]),
        params: z.enum(['none', 'gcm']).optional(),
        keyType: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
        valueLen: z.number().int().positive().optional(),
      }),
    )
    .optional(),
})

const tencentSchema = z.strictObject({
  region: z.string().min(1).default('ap-guangzhou'),
  /** e.g. `kms.tencentcloudapi.com` (default) or `127.0.0.1:8300` for `keyward serve`. */
  endpoint: z.string().min(1).optional(),
  /** Prefer the env vars TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY over putting secrets in a file. */
  secretId: z.string().min(1).optional(),
  secretKey: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().default(10_000),
  /**
   * The symmetric keys the region makes: AES_256 in standard regions, SM4 in a 国密 region or GM HSM cluster (what
   * a gm profile needs there). Default: AES_256, or both for a keyward serve on loopback.
   */
  symmetricKeySpecs: z.array(z.enum(SYMMETRIC_KEY_SPECS)).min(1).optional(),
})

const serverTlsSchema = z.strictObject({
  /** Server certificate (chain), PEM file. */
  certFile: z.string().min(1),
  /** Its private key, PEM file (not world-readable); re-read with the certificate on SIGHUP. */
  keyFile: z.string().min(1),
  /** CA of client certificates, PEM file: clients must present one it issued (mutual TLS). */
  clientCaFile: z.string().min(1).optional(),
})

const serverSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8300),
  /** HTTPS for `keyward serve`; required to bind a non-loopback host unless insecureHttp. */
  tls: serverTlsSchema.optional(),
  /** Serve plain HTTP on a non-loopback host anyway (requests carry plaintexts and data keys). */
  insecureHttp: z.boolean().default(false),
  /** Require x-tc-action in SignedHeaders and refuse replayed signatures (stock SDKs do not sign the action). */
  strictSigning: z.boolean().default(false),
})

/** The whole configuration, validated. Every field has a default: an empty config is the embedded default. */
export const configSchema = z.strictObject({
  provider: z.enum(PROVIDER_NAMES).default('software'),
  /**
   * The compliance profile of the deployment: `gm` (SM2/SM3/SM4 only), `fips` (FIPS-approved only) or `none`.
   * Env KEYWARD_COMPLIANCE, flag `--compliance`. Sources only tighten it: `none` anywhere never loosens another
   * source's profile, and two different profiles are an error.
   */
  compliance: z.enum(COMPLIANCE_PROFILE_NAMES).default('none'),
  /**
   * Migration escape hatch: data made with algorithms the profile refuses still decrypts, every use audited. From
   * the config file or `--allow-legacy-decrypt` only (never the environment); off by default.
   */
  allowLegacyDecrypt: z.boolean().default(false),
  /** Data directory ($KEYWARD_HOME, default ~/.keyward). */
  home: z.string().min(1),
  software: softwareSchema.default({ store: 'sqlite' }),
  pkcs11: pkcs11Schema.default({ pinEnv: 'KEYWARD_PKCS11_PIN', poolSize: 4 }),
  tencent: tencentSchema.default({ region: 'ap-guangzhou', timeoutMs: 10_000 }),
  server: serverSchema.default({ host: '127.0.0.1', port: 8300, insecureHttp: false, strictSigning: false }),
})

/** A validated Keyward configuration. */
export type KeywardConfig = z.infer<typeof configSchema>
/** What a config file, the environment or flags may give: any subset. */
export type KeywardConfigInput = z.input<typeof configSchema>
