import { randomBytes, randomUUID } from 'node:crypto'
import { INSPECT, KeywardError, REDACTED, needs, unixSeconds, type Clock } from '@keyward/core'
import { ALLOW_ALL, checkPolicy, type AccountPolicy } from '../policy.js'
import { LOCKS } from './schema.js'
import type { SecretBox } from './secret-box.js'
import { int, one, text, type SqlDb, type SqlRow, type SqlTx } from './sql-db.js'

/** An account of the server: a tenant owning keys, with one SecretId/SecretKey pair and a policy. */
export interface Account {
  accountId: string
  name: string
  secretId: string
  policy: AccountPolicy
  /** Admins may manage accounts through the Keyward extension Actions. */
  isAdmin: boolean
  createTime: number
}

/** A new account's credentials: shown once, never stored in the clear. JSON and inspect redact `secretKey`. */
export interface NewAccount extends Account {
  secretKey: string
  /**
   * `generated` when Keyward made the SecretKey (show it once), `supplied` when the caller gave it
   * (KEYWARD_BOOTSTRAP_SECRET_KEY): never print a supplied one, its owner has it already.
   */
  secretKeySource: 'generated' | 'supplied'
}

/** Makes `a` print without its SecretKey (JSON.stringify, util.inspect, loggers); reading `.secretKey` still works. */
function redacted(a: NewAccount): NewAccount {
  const shown = (): Record<string, unknown> => ({ ...a, secretKey: REDACTED })
  Object.defineProperty(a, 'toJSON', { value: shown, enumerable: false })
  Object.defineProperty(a, INSPECT, { value: () => `NewAccount ${JSON.stringify(shown())}`, enumerable: false })
  return a
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
function randomText(n: number): string {
  const bytes = randomBytes(n * 2)
  let out = ''
  // Rejection sampling keeps every character equally likely.
  for (const b of bytes) {
    if (b < 248) out += ALPHABET[b % 62]
    if (out.length === n) return out
  }
  return out + randomText(n - out.length)
}

const SECRET_ID = /^[A-Za-z0-9]{8,64}$/
const CACHE_MS = 2_000

/**
 * Accounts in the server store. SecretKeys are sealed under the root key (the server must recompute HMACs, so a
 * hash would not do); decrypted keys are cached briefly in memory for the signature check.
 */
export class Accounts {
  readonly #cache = new Map<string, { account: Account; secretKey: string; until: number }>()

  constructor(
    private readonly db: SqlDb,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  /** Creates an account; `secretId`/`secretKey` may be given (bootstrap from the environment), else generated. */
  async create(opts: {
    name: string
    isAdmin?: boolean
    policy?: AccountPolicy
    secretId?: string
    secretKey?: string
  }): Promise<NewAccount> {
    /* Precondition: name is 1-64 printable characters; given credentials have a sane shape. */
    needs(
      typeof opts.name === 'string' && /^[A-Za-z0-9_.@-]{1,64}$/.test(opts.name),
      'InvalidParameterValue',
      'Account name must be 1-64 of [A-Za-z0-9_.@-].',
    )
    if (opts.secretId !== undefined)
      needs(SECRET_ID.test(opts.secretId), 'InvalidParameterValue', 'SecretId must be 8-64 letters and digits.')
    if (opts.secretKey !== undefined)
      needs(
        typeof opts.secretKey === 'string' && opts.secretKey.length >= 16 && opts.secretKey.length <= 128,
        'InvalidParameterValue',
        'SecretKey must be 16-128 characters.',
      )
    const policy = opts.policy ?? ALLOW_ALL
    checkPolicy(policy)
    const account: NewAccount = {
      accountId: randomUUID(),
      name: opts.name,
      secretId: opts.secretId ?? `AKID${randomText(32)}`,
      secretKey: opts.secretKey ?? randomText(32),
      secretKeySource: opts.secretKey === undefined ? 'generated' : 'supplied',
      policy,
      isAdmin: opts.isAdmin ?? false,
      createTime: unixSeconds(this.clock),
    }
    const sealed = this.box.seal(account.secretId, Buffer.from(account.secretKey, 'utf8'))
    await this.db.transaction(async (tx) => {
      if (
        await one(tx, 'SELECT 1 AS x FROM srv_accounts WHERE name = ? OR secret_id = ?', [
          account.name,
          account.secretId,
        ])
      ) {
        throw new KeywardError(
          'InvalidParameterValue',
          `An account named ${account.name} or with that SecretId exists.`,
        )
      }
      await tx.run(
        'INSERT INTO srv_accounts (account_id, name, secret_id, sealed_secret_key, policy, is_admin, create_time) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [
          account.accountId,
          account.name,
          account.secretId,
          sealed,
          JSON.stringify(policy),
          account.isAdmin ? 1 : 0,
          account.createTime,
        ],
      )
    }, LOCKS.accounts)
    return redacted(account)
  }

  private fromRow(row: SqlRow): Account {
    return {
      accountId: text(row, 'account_id'),
      name: text(row, 'name'),
      secretId: text(row, 'secret_id'),
      policy: JSON.parse(text(row, 'policy')) as AccountPolicy,
      isAdmin: int(row, 'is_admin') === 1,
      createTime: int(row, 'create_time'),
    }
  }

  /** The account and its SecretKey for a SecretId, or undefined. */
  async bySecretId(secretId: string): Promise<{ account: Account; secretKey: string } | undefined> {
    const now = this.clock.now()
    const hit = this.#cache.get(secretId)
    if (hit && hit.until > now) return hit
    const row = await one(this.db, 'SELECT * FROM srv_accounts WHERE secret_id = ?', [secretId])
    if (!row) return undefined
    const account = this.fromRow(row)
    const secretKey = this.box.open(secretId, text(row, 'sealed_secret_key')).toString('utf8')
    const entry = { account, secretKey, until: now + CACHE_MS }
    if (this.#cache.size > 10_000) this.#cache.clear()
    this.#cache.set(secretId, entry)
    return entry
  }

  async byName(name: string): Promise<Account | undefined> {
    const row = await one(this.db, 'SELECT * FROM srv_accounts WHERE name = ?', [name])
    return row && this.fromRow(row)
  }

  async byId(accountId: string): Promise<Account | undefined> {
    const row = await one(this.db, 'SELECT * FROM srv_accounts WHERE account_id = ?', [accountId])
    return row && this.fromRow(row)
  }

  async list(): Promise<Account[]> {
    return (await this.db.all('SELECT * FROM srv_accounts ORDER BY create_time, name')).map((r) => this.fromRow(r))
  }

  async count(): Promise<number> {
    const row = await one(this.db, 'SELECT COUNT(*) AS n FROM srv_accounts')
    return row ? int(row, 'n') : 0
  }

  /**
   * Issues a new SecretKey for an account (the SecretId stays): the old one stops working at once here and within
   * the 2 s cache on other instances. For an operator who lost the dev credentials, or rotates them.
   */
  async rotateSecret(accountId: string): Promise<NewAccount> {
    const current = await this.byId(accountId)
    needs(current, 'InvalidParameterValue', 'No such account.')
    const secretKey = randomText(32)
    const sealed = this.box.seal(current.secretId, Buffer.from(secretKey, 'utf8'))
    const n = await this.db.run('UPDATE srv_accounts SET sealed_secret_key = ? WHERE account_id = ?', [
      sealed,
      accountId,
    ])
    needs(n === 1, 'InvalidParameterValue', 'No such account.')
    this.#cache.clear()
    return redacted({ ...current, secretKey, secretKeySource: 'generated' })
  }

  /** Forgets cached accounts (after a change made through the database directly, e.g. policies of a gone key). */
  invalidate(): void {
    this.#cache.clear()
  }

  /** Replaces an account's policy (takes effect within the cache window, 2 s, on every instance). */
  async setPolicy(accountId: string, policy: AccountPolicy): Promise<void> {
    checkPolicy(policy)
    const n = await this.db.run('UPDATE srv_accounts SET policy = ? WHERE account_id = ?', [
      JSON.stringify(policy),
      accountId,
    ])
    needs(n === 1, 'InvalidParameterValue', 'No such account.')
    this.#cache.clear()
  }
}

/**
 * Inside `tx`: removes `key/<keyId>` from every account's policy (its key is gone for good), dropping statements
 * left without resources. Patterns (`key/abc*`) stay: they name no particular key.
 */
export async function dropKeyFromPoliciesIn(tx: SqlTx, keyId: string): Promise<void> {
  const resource = `key/${keyId}`
  const rows = await tx.all('SELECT account_id, policy FROM srv_accounts WHERE policy LIKE ?', [`%${resource}%`])
  for (const row of rows) {
    const policy = JSON.parse(text(row, 'policy')) as AccountPolicy
    if (!policy.statements.some((st) => st.resources.includes(resource))) continue
    const statements = policy.statements
      .map((st) => ({ ...st, resources: st.resources.filter((r) => r !== resource) }))
      .filter((st) => st.resources.length > 0)
    await tx.run('UPDATE srv_accounts SET policy = ? WHERE account_id = ?', [
      JSON.stringify({ statements }),
      text(row, 'account_id'),
    ])
  }
}
