import { createHash } from 'node:crypto'
import {
  KeywardError,
  checkKeyId,
  unixSeconds,
  type Clock,
  type ComplianceProfile,
  type KeyMetadata,
  type KeyProvider,
  type KeyProviderBase,
  type LegacyDecryptEvent,
} from '@keyward/core'
import { DENIED_ALSO_BY, isAllowed, type PolicyResource } from './policy.js'
import { toTencentMetadata, type TencentKeyMetadata } from './protocol/key-metadata-map.js'
import type { Account } from './store/accounts.js'
import type { KeyOwner } from './store/key-owners.js'
import type { ServerStore } from './store/server-store.js'

/** Things every action handler needs, shared by all requests of one server. */
export interface ServerServices {
  /** The backing provider, bound to `compliance`: every role, since the server answers every Action. */
  provider: KeyProvider
  /** The compliance profile every Action runs under. */
  compliance: ComplianceProfile
  store: ServerStore
  clock: Clock
  regions: readonly string[]
}

function invisible(keyId: string): KeywardError {
  return new KeywardError('ResourceUnavailable.CmkNotFound', `Key ${keyId.slice(0, 128)} does not exist.`)
}

function denied(action: string): KeywardError {
  return new KeywardError('UnauthorizedOperation', `The account policy does not allow ${action} on this key.`)
}

/**
 * The provider-side alias of an account's key: derived from account and alias so that it is globally unique
 * (provider aliases are global, Tencent's are per account) and so that the provider's own uniqueness check also
 * catches two instances racing to create the same alias.
 */
export function providerAlias(accountId: string, alias: string): string {
  return `kw_${createHash('sha256').update(`${accountId}\0${alias}`).digest('hex').slice(0, 40)}`
}

/**
 * One request: the caller's account, the action, and the key it touched (for the audit log). Access to keys goes
 * through {@link RequestContext.key}, which enforces ownership, grants and the account policy. `P` is the provider
 * role the Action's handler uses (actions/*-actions.ts each name theirs); the dispatcher passes the whole provider.
 */
export class RequestContext<P extends KeyProviderBase = KeyProvider> {
  /** KeyId the request acted on, recorded in the audit entry. */
  keyId = ''
  /** Legacy decryptions the request made (allowLegacyDecrypt): each becomes a LegacyDecrypt audit entry. */
  readonly legacyDecrypts: LegacyDecryptEvent[] = []

  constructor(
    readonly services: ServerServices,
    /** The provider, as the role the handler uses. */
    readonly provider: P,
    readonly account: Account,
    readonly action: string,
    readonly requestId: string,
  ) {}

  get store(): ServerStore {
    return this.services.store
  }

  now(): number {
    return unixSeconds(this.services.clock)
  }

  /** Policy check for actions that name no existing key (resource `*`), or a new alias (CreateKey, UpdateAlias). */
  allow(res: PolicyResource = {}): void {
    if (!isAllowed(this.account.policy, this.action, res)) {
      throw new KeywardError('UnauthorizedOperation', `The account policy does not allow ${this.action}.`)
    }
  }

  /**
   * The key `keyId` if this account may perform `action` on it: as owner under its policy, or through a grant its
   * current owner made (and the grantee's own policy). Keys of other accounts without a grant are invisible:
   * CmkNotFound, never "forbidden". `deniedAlsoBy` names the Actions whose Deny also refuses this use (default:
   * a Deny on Decrypt refuses every Action that recovers plaintext, see DENIED_ALSO_BY).
   */
  async key(
    keyId: unknown,
    action = this.action,
    field = 'KeyId',
    deniedAlsoBy: readonly string[] = DENIED_ALSO_BY[action] ?? [],
  ): Promise<KeyOwner> {
    checkKeyId(keyId, field)
    if (!this.keyId) this.keyId = keyId
    const owner = await this.store.owners.get(keyId)
    if (!owner) throw invisible(keyId)
    if (owner.accountId === this.account.accountId) {
      if (
        !isAllowed(
          this.account.policy,
          action,
          { keyId, alias: owner.alias, formerAliases: owner.formerAliases },
          deniedAlsoBy,
        )
      )
        throw denied(action)
      return owner
    }
    const granted = await this.store.grants.actionsFor(keyId, this.account.accountId, owner.accountId)
    if (granted.size === 0) throw invisible(keyId)
    if (!granted.has(action) || !isAllowed(this.account.policy, action, { keyId }, deniedAlsoBy)) throw denied(action)
    return owner
  }

  /** Tencent KeyMetadata of a key this account can see, with the owner's alias. */
  async metadata(owner: KeyOwner, meta?: KeyMetadata): Promise<TencentKeyMetadata> {
    const m = meta ?? (await this.services.provider.describeKey(owner.keyId))
    const ownerName =
      owner.accountId === this.account.accountId
        ? this.account.name
        : ((await this.store.accounts.byId(owner.accountId))?.name ?? '')
    return toTencentMetadata(m, owner.alias, ownerName)
  }
}
