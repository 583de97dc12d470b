import {
  KEY_USAGES,
  SYMMETRIC_KEY_SPECS,
  checkAlias,
  checkDescription,
  filterKeys,
  isKeywardError,
  needs,
  type KeyMetadata,
  type KeyAdministration,
} from '@keyward/core'
import { KEY_STATE_FILTER } from '../protocol/key-metadata-map.js'
import { intIn, optInt, optStr, str, strList, type Params } from '../protocol/params.js'
import { matchesTagFilters, tagFiltersParam, tagsParam } from '../protocol/tags.js'
import { providerAlias, type RequestContext } from '../request-context.js'
import type { KeyOwner } from '../store/key-owners.js'
import type { ActionTable } from './action-handler.js'
import { checkKeyIdUnused, chosenKeyIdOf } from './chosen-key-id.js'

/** core's alias rule plus Tencent's: the first character is a letter or digit. */
function aliasOf(p: Params): string {
  const alias = str(p, 'Alias', 256)
  checkAlias(alias)
  needs(/^[A-Za-z0-9]/.test(alias), 'InvalidParameterValue.InvalidAlias', 'Alias must start with a letter or digit.')
  return alias
}

/** core's description rule plus Tencent's byte limit (1024 bytes of UTF-8, not characters). */
function descriptionOf(p: Params, required: boolean): string | undefined {
  const description = required ? str(p, 'Description', 4096) : optStr(p, 'Description', 4096)
  if (description === undefined) return undefined
  checkDescription(description)
  needs(
    Buffer.byteLength(description, 'utf8') <= 1024,
    'InvalidParameterValue',
    'Description must be at most 1024 bytes.',
  )
  return description
}

async function createKey(ctx: RequestContext<KeyAdministration>, p: Params) {
  const alias = aliasOf(p)
  const description = descriptionOf(p, false)
  const keyUsage = optStr(p, 'KeyUsage', 64)
  if (keyUsage !== undefined)
    needs(
      (KEY_USAGES as readonly string[]).includes(keyUsage),
      'InvalidParameterValue',
      `KeyUsage must be one of ${KEY_USAGES.join(', ')}.`,
    )
  const type = optInt(p, 'Type')
  needs(
    type === undefined || type === 1 || type === 2,
    'InvalidParameterValue',
    'Type must be 1 (KMS-generated) or 2 (EXTERNAL).',
  )
  // Keyward extension: KeySpec AES_256 (default) or SM4 for ENCRYPT_DECRYPT keys.
  const keySpec = optStr(p, 'KeySpec', 16)
  if (keySpec !== undefined)
    needs(
      (SYMMETRIC_KEY_SPECS as readonly string[]).includes(keySpec),
      'InvalidParameterValue',
      'KeySpec must be AES_256 or SM4.',
    )
  // Keyward extension: a chosen KeyId for an EXTERNAL key (BYOK migration keeps the KeyId old blobs name).
  const keyId = chosenKeyIdOf(p, type)
  const tags = tagsParam(p)
  ctx.allow({ alias })
  needs(
    !(await ctx.store.owners.aliasTaken(ctx.account.accountId, alias)),
    'InvalidParameterValue.AliasAlreadyExists',
    `Alias ${alias} is already used by another key.`,
  )
  // After the policy check, so that an account without CreateKey cannot probe which KeyIds exist.
  if (keyId !== undefined) await checkKeyIdUnused(ctx, keyId)
  const meta = await ctx.provider.createKey({
    alias: providerAlias(ctx.account.accountId, alias),
    ...(description === undefined ? {} : { description }),
    ...(keyUsage === undefined ? {} : { keyUsage: keyUsage as KeyMetadata['keyUsage'] }),
    ...(type === undefined ? {} : { type }),
    ...(keySpec === undefined ? {} : { keySpec: keySpec as 'AES_256' | 'SM4' }),
    ...(keyId === undefined ? {} : { keyId }),
  })
  ctx.keyId = meta.keyId
  await ctx.store.addKey(
    { keyId: meta.keyId, accountId: ctx.account.accountId, alias, createTime: meta.createTime },
    tags,
  )
  return {
    // As Tencent: the outcome of tagging, when the request asked for tags (0 = success).
    ...(tags.length ? { TagCode: 0, TagMsg: 'ok' } : {}),
    KeyId: meta.keyId,
    Alias: alias,
    CreateTime: meta.createTime,
    Description: meta.description,
    KeyState: meta.keyState,
    KeyUsage: meta.keyUsage,
  }
}

async function describeKey(ctx: RequestContext<KeyAdministration>, p: Params) {
  const owner = await ctx.key(p['KeyId'])
  return { KeyMetadata: await ctx.metadata(owner) }
}

async function describeKeys(ctx: RequestContext<KeyAdministration>, p: Params) {
  const ids = strList(p, 'KeyIds')
  const out = []
  for (const id of ids) {
    try {
      out.push(await ctx.metadata(await ctx.key(id, 'DescribeKeys')))
    } catch (e) {
      // As Tencent: keys that do not exist (or are invisible) are left out, not an error.
      if (!isKeywardError(e, 'ResourceUnavailable.CmkNotFound')) throw e
    }
  }
  return { KeyMetadatas: out }
}

/** The account's own keys with their provider metadata; keys purged by the provider are dropped. */
async function ownedKeys(
  ctx: RequestContext<KeyAdministration>,
): Promise<Array<{ owner: KeyOwner; meta: KeyMetadata }>> {
  ctx.allow()
  const owners = await ctx.store.owners.listOwned(ctx.account.accountId)
  const out: Array<{ owner: KeyOwner; meta: KeyMetadata }> = []
  for (const owner of owners) {
    try {
      const meta = await ctx.provider.describeKey(owner.keyId)
      out.push({ owner, meta: { ...meta, alias: owner.alias } })
    } catch (e) {
      if (!isKeywardError(e, 'ResourceUnavailable.CmkNotFound')) throw e
      // Purged by the provider (deletion window over): tombstone, grants and policy references go together.
      await ctx.store.retireKey(owner.keyId, ctx.now())
    }
  }
  return out
}

async function listKeys(ctx: RequestContext<KeyAdministration>, p: Params) {
  const offset = intIn(p, 'Offset', 0, 1_000_000, 0)
  const limit = intIn(p, 'Limit', 1, 200, 10)
  const keys = await ownedKeys(ctx)
  return { Keys: keys.slice(offset, offset + limit).map((k) => ({ KeyId: k.owner.keyId })), TotalCount: keys.length }
}

async function listKeyDetail(ctx: RequestContext<KeyAdministration>, p: Params) {
  const offset = intIn(p, 'Offset', 0, 1_000_000, 0)
  const limit = intIn(p, 'Limit', 1, 200, 10)
  const state = intIn(p, 'KeyState', 0, 5, 0)
  const orderType = intIn(p, 'OrderType', 0, 1, 0)
  const search = optStr(p, 'SearchKeyAlias', 120)
  const origin = optStr(p, 'Origin', 32)
  needs(
    origin === undefined || origin === 'ALL' || origin === 'TENCENT_KMS' || origin === 'EXTERNAL',
    'InvalidParameterValue',
    'Origin must be TENCENT_KMS, EXTERNAL or ALL.',
  )
  const keyUsage = optStr(p, 'KeyUsage', 64)
  const tagFilters = tagFiltersParam(p)
  // As Tencent: no KeyUsage means ENCRYPT_DECRYPT only; ALL lists every usage.
  const usages =
    keyUsage === 'ALL'
      ? undefined
      : keyUsage === undefined || keyUsage === ''
        ? ['ENCRYPT_DECRYPT']
        : keyUsage.split(',')
  let keys = await ownedKeys(ctx)
  if (tagFilters.length) {
    const tags = await ctx.store.tags.of(keys.map((k) => k.owner.keyId))
    keys = keys.filter((k) => matchesTagFilters(tags.get(k.owner.keyId) ?? [], tagFilters))
  }
  const matched = filterKeys(
    keys.map((k) => k.meta),
    {
      limit: 1_000_000,
      ...(KEY_STATE_FILTER[state] ? { keyState: KEY_STATE_FILTER[state] } : {}),
      ...(search ? { searchKeyAlias: search } : {}),
      ...(origin && origin !== 'ALL' ? { origin } : {}),
    },
  ).keys.filter((m) => usages === undefined || usages.includes(m.keyUsage))
  if (orderType === 1) matched.reverse()
  const byId = new Map(keys.map((k) => [k.owner.keyId, k.owner]))
  const page = matched.slice(offset, offset + limit)
  return {
    TotalCount: matched.length,
    KeyMetadatas: await Promise.all(page.map((m) => ctx.metadata(byId.get(m.keyId)!, m))),
  }
}

async function updateAlias(ctx: RequestContext<KeyAdministration>, p: Params) {
  const alias = aliasOf(p)
  const owner = await ctx.key(p['KeyId'])
  needs(
    owner.accountId === ctx.account.accountId,
    'UnauthorizedOperation',
    'Only the owner of a key can change its alias.',
  )
  if (alias === owner.alias) return {}
  // The new name must be allowed too (as CreateKey's): a rename cannot move a key into an Allow it did not have.
  ctx.allow({ keyId: owner.keyId, alias })
  needs(
    !(await ctx.store.owners.aliasTaken(ctx.account.accountId, alias)),
    'InvalidParameterValue.AliasAlreadyExists',
    `Alias ${alias} is already used by another key.`,
  )
  await ctx.provider.updateAlias(owner.keyId, providerAlias(ctx.account.accountId, alias))
  await ctx.store.owners.rename(owner.keyId, ctx.account.accountId, alias)
  return {}
}

async function updateKeyDescription(ctx: RequestContext<KeyAdministration>, p: Params) {
  const description = descriptionOf(p, true)!
  const owner = await ctx.key(p['KeyId'])
  await ctx.provider.updateKeyDescription(owner.keyId, description)
  return {}
}

/** CreateKey, DescribeKey(s), ListKeys, ListKeyDetail, UpdateAlias, UpdateKeyDescription. */
export const keyAdminActions: ActionTable<KeyAdministration> = {
  CreateKey: createKey,
  DescribeKey: describeKey,
  DescribeKeys: describeKeys,
  ListKeys: listKeys,
  ListKeyDetail: listKeyDetail,
  UpdateAlias: updateAlias,
  UpdateKeyDescription: updateKeyDescription,
}
