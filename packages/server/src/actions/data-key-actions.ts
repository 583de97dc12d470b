import { randomUUID } from 'node:crypto'
import { KeywardError, checkPendingWindow, needs, type SymmetricCrypto } from '@keyward/core'
import { intIn, int, optStr, str, strList, type Params } from '../protocol/params.js'
import type { RequestContext } from '../request-context.js'
import type { DataKeyState, HostedDataKey } from '../store/data-keys.js'
import type { ActionHandler, ActionTable } from './action-handler.js'
import { checkSealAlgorithm, decryptFor, plaintextOut } from './crypto-actions.js'

const DAY = 86_400

/** Stores a freshly generated data key's ciphertext blob (never its plaintext); returns its DataKeyId. */
export async function hostDataKey(
  ctx: RequestContext<SymmetricCrypto>,
  keyId: string,
  name: string,
  description: string,
  numberOfBytes: number,
  ciphertextBlob: string,
): Promise<string> {
  const dataKeyId = randomUUID()
  await ctx.store.dataKeys.add({
    dataKeyId,
    accountId: ctx.account.accountId,
    keyId,
    name,
    description,
    numberOfBytes,
    ciphertextBlob,
    keyState: 'Enabled',
    createTime: ctx.now(),
    deletionDate: 0,
  })
  return dataKeyId
}

/** This account's data key; another account's is invisible (not found). */
async function dataKey(ctx: RequestContext<SymmetricCrypto>, id: unknown): Promise<HostedDataKey> {
  needs(typeof id === 'string' && id.length > 0, 'MissingParameter', 'The parameter DataKeyId is required.')
  needs(/^[A-Za-z0-9-]{1,128}$/.test(id), 'InvalidParameterValue', 'DataKeyId is not valid.')
  ctx.allow()
  await ctx.store.dataKeys.purge(ctx.now())
  const k = await ctx.store.dataKeys.get(ctx.account.accountId, id)
  if (!k) throw new KeywardError('ResourceUnavailable.CmkNotFound', `Data key ${id} does not exist.`)
  ctx.keyId = k.keyId
  return k
}

async function metadata(ctx: RequestContext<SymmetricCrypto>, k: HostedDataKey) {
  const owner = await ctx.store.owners.get(k.keyId)
  return {
    DataKeyId: k.dataKeyId,
    KeyId: k.keyId,
    KeyName: owner?.alias ?? '',
    DataKeyName: k.name,
    NumberOfBytes: k.numberOfBytes,
    CreateTime: k.createTime,
    Description: k.description,
    KeyState: k.keyState,
    CreatorUin: 0,
    Owner: 'user',
    DeletionDate: k.deletionDate,
    Origin: 'TENCENT_KMS',
  }
}

async function listDataKeys(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const offset = intIn(p, 'Offset', 0, 1_000_000, 0)
  const limit = intIn(p, 'Limit', 1, 200, 10)
  ctx.allow()
  await ctx.store.dataKeys.purge(ctx.now())
  const { keys, totalCount } = await ctx.store.dataKeys.list(ctx.account.accountId, offset, limit)
  return { DataKeys: keys.map((k) => ({ DataKeyId: k.dataKeyId })), TotalCount: totalCount }
}

const DATA_KEY_STATE_FILTER: Readonly<Record<number, DataKeyState | undefined>> = {
  0: undefined,
  1: 'Enabled',
  2: 'Disabled',
  3: 'PendingDelete',
}

async function listDataKeyDetail(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const offset = intIn(p, 'Offset', 0, 1_000_000, 0)
  const limit = intIn(p, 'Limit', 1, 200, 10)
  const state = DATA_KEY_STATE_FILTER[intIn(p, 'KeyState', 0, 3, 0)]
  const orderType = intIn(p, 'OrderType', 0, 1, 0)
  const search = optStr(p, 'SearchKeyAlias', 120)?.toLowerCase()
  const keyId = optStr(p, 'KeyId', 128)
  const length = intIn(p, 'DataKeyLen', 0, 1024, 0)
  ctx.allow()
  await ctx.store.dataKeys.purge(ctx.now())
  const { keys, totalCount } = await ctx.store.dataKeys.list(
    ctx.account.accountId,
    0,
    1_000_000,
    (k) =>
      (state === undefined || k.keyState === state) &&
      (!search || k.name.toLowerCase().includes(search) || k.dataKeyId.includes(search)) &&
      (!keyId || k.keyId === keyId) &&
      (length === 0 || k.numberOfBytes === length),
  )
  if (orderType === 1) keys.reverse()
  const page = keys.slice(offset, offset + limit)
  return { DataKeyMetadatas: await Promise.all(page.map((k) => metadata(ctx, k))), TotalCount: totalCount }
}

async function updateDataKeyName(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const name = str(p, 'DataKeyName', 256)
  needs(/^[A-Za-z0-9_-]{1,60}$/.test(name), 'InvalidParameterValue', 'DataKeyName must be 1-60 of [A-Za-z0-9_-].')
  const k = await dataKey(ctx, p['DataKeyId'])
  await ctx.store.dataKeys.rename(ctx.account.accountId, k.dataKeyId, name)
  return {}
}

async function updateDataKeyDescription(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const description = str(p, 'Description', 2048)
  needs(
    Buffer.byteLength(description, 'utf8') <= 100,
    'InvalidParameterValue',
    'Description of a data key must be at most 100 bytes.',
  )
  const k = await dataKey(ctx, p['DataKeyId'])
  await ctx.store.dataKeys.setDescription(k.dataKeyId, description)
  return {}
}

async function describeDataKey(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  return { DataKeyMetadata: await metadata(ctx, await dataKey(ctx, p['DataKeyId'])) }
}

async function describeDataKeys(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const out = []
  for (const id of strList(p, 'DataKeyIds')) out.push(await metadata(ctx, await dataKey(ctx, id)))
  return { DataKeyMetadatas: out }
}

async function getDataKeyCiphertextBlob(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  return { CiphertextBlob: (await dataKey(ctx, p['DataKeyId'])).ciphertextBlob }
}

async function getDataKeyPlaintext(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const k = await dataKey(ctx, p['DataKeyId'])
  needs(k.keyState === 'Enabled', 'ResourceUnavailable.CmkStateNotSupport', `The data key is ${k.keyState}.`)
  checkSealAlgorithm(p, ctx.services.compliance)
  const r = await decryptFor(ctx, k.ciphertextBlob, undefined, 'GetDataKeyPlaintext')
  return { Plaintext: plaintextOut(p, r.plaintext, ctx.services.compliance) }
}

function setState(to: DataKeyState, from: readonly DataKeyState[], many: boolean): ActionHandler<SymmetricCrypto> {
  return async (ctx, p) => {
    const ids = many ? strList(p, 'DataKeyIds') : [str(p, 'DataKeyId', 128)]
    const keys = []
    for (const id of ids) keys.push(await dataKey(ctx, id))
    for (const k of keys) {
      needs(
        from.includes(k.keyState) || k.keyState === to,
        'ResourceUnavailable.CmkStateNotSupport',
        `Data key ${k.dataKeyId} is ${k.keyState}.`,
      )
    }
    for (const k of keys) await ctx.store.dataKeys.setState(k.dataKeyId, to, 0)
    return {}
  }
}

async function scheduleDataKeyDeletion(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const days = int(p, 'PendingWindowInDays')
  checkPendingWindow(days)
  const k = await dataKey(ctx, p['DataKeyId'])
  needs(
    k.keyState !== 'PendingDelete',
    'ResourceUnavailable.CmkStateNotSupport',
    'The data key is already pending deletion.',
  )
  const deletionDate = ctx.now() + days * DAY
  await ctx.store.dataKeys.setState(k.dataKeyId, 'PendingDelete', deletionDate)
  return { DeletionDate: deletionDate, DataKeyId: k.dataKeyId }
}

async function cancelDataKeyDeletion(ctx: RequestContext<SymmetricCrypto>, p: Params) {
  const k = await dataKey(ctx, p['DataKeyId'])
  needs(
    k.keyState === 'PendingDelete',
    'ResourceUnavailable.CmkStateNotSupport',
    'The data key is not pending deletion.',
  )
  // As for CMKs in Tencent KMS, a key whose deletion is cancelled comes back Disabled.
  await ctx.store.dataKeys.setState(k.dataKeyId, 'Disabled', 0)
  return { DataKeyId: k.dataKeyId }
}

/** Hosted data keys (GenerateDataKey with IsHostedByKms=1). */
export const dataKeyActions: ActionTable<SymmetricCrypto> = {
  ListDataKeys: listDataKeys,
  ListDataKeyDetail: listDataKeyDetail,
  UpdateDataKeyName: updateDataKeyName,
  UpdateDataKeyDescription: updateDataKeyDescription,
  DescribeDataKey: describeDataKey,
  DescribeDataKeys: describeDataKeys,
  GetDataKeyCiphertextBlob: getDataKeyCiphertextBlob,
  GetDataKeyPlaintext: getDataKeyPlaintext,
  EnableDataKey: setState('Enabled', ['Disabled'], false),
  DisableDataKey: setState('Disabled', ['Enabled'], false),
  EnableDataKeys: setState('Enabled', ['Disabled'], true),
  DisableDataKeys: setState('Disabled', ['Enabled'], true),
  ScheduleDataKeyDeletion: scheduleDataKeyDeletion,
  CancelDataKeyDeletion: cancelDataKeyDeletion,
}
