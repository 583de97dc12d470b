import { needs, type KeyMetadata, type KeyState, type ListKeysRequest, type ListKeysResult } from '@keyward/core'
import type { KeyBook } from './key-book.js'
import { DAY_SECONDS, requireState } from './key-rules.js'

/**
 * Key lifecycle of the software provider, with Tencent KMS's state rules: describe, list, alias and description,
 * state transitions and the deletion window (creation: key-creation.ts; rotation: key-rotation.ts). Inputs were
 * checked by the provider; writes run under the key book's lock.
 */

/** DescribeKey. */
export function describeKey(book: KeyBook, keyId: string): Promise<KeyMetadata> {
  return book.get(keyId)
}

/** ListKeyDetail: filters and paging as the store's listKeys, newest first, after due housekeeping. */
export async function listKeys(book: KeyBook, req: ListKeysRequest): Promise<ListKeysResult> {
  await book.sweep()
  const page = await book.store.listKeys(req)
  return { ...page, keys: await Promise.all(page.keys.map((k) => book.withVersionCount(k))) }
}

/** UpdateAlias / UpdateKeyDescription: the store keeps aliases unique (AliasAlreadyExists). */
export async function updateKey(
  book: KeyBook,
  keyId: string,
  patch: { alias: string } | { description: string },
): Promise<void> {
  await book.exclusive(async () => {
    await book.get(keyId, true)
    await book.store.updateKey(keyId, patch)
  })
}

/** Where each state-only Action may start from, and the state it leaves the key in. */
const TRANSITIONS = {
  EnableKey: { from: ['Enabled', 'Disabled'], to: 'Enabled' },
  DisableKey: { from: ['Enabled', 'Disabled'], to: 'Disabled' },
  ArchiveKey: { from: ['Enabled', 'Disabled', 'Archived'], to: 'Archived' },
  CancelKeyArchive: { from: ['Archived'], to: 'Enabled' },
} as const satisfies Record<string, { from: readonly KeyState[]; to: KeyState }>

/** EnableKey, DisableKey (a disabled key refuses every use, decrypt included), ArchiveKey, CancelKeyArchive. */
export async function setKeyState(book: KeyBook, keyId: string, action: keyof typeof TRANSITIONS): Promise<void> {
  const { from, to } = TRANSITIONS[action]
  await transition(book, keyId, from, action, () => ({ keyState: to }))
}

/**
 * ScheduleKeyDeletion. As in Tencent KMS the key must be Disabled (or still PendingImport); an Enabled key is
 * ResourceUnavailable.CmkShouldBeDisabled. The purge happens lazily once the window ends (KeyBook).
 */
export function scheduleKeyDeletion(
  book: KeyBook,
  keyId: string,
  pendingWindowInDays: number,
): Promise<{ deletionDate: number }> {
  return book.exclusive(async () => {
    const key = await book.get(keyId, true)
    needs(
      key.keyState !== 'Enabled',
      'ResourceUnavailable.CmkShouldBeDisabled',
      `Disable key ${keyId} before scheduling its deletion.`,
    )
    requireState(key, ['Disabled', 'PendingImport'], 'ScheduleKeyDeletion')
    const deletionDate = book.now() + pendingWindowInDays * DAY_SECONDS
    await book.store.updateKey(keyId, { keyState: 'PendingDelete', deletionDate })
    return { deletionDate }
  })
}

/** CancelKeyDeletion: back to Disabled, as Tencent (PendingImport when the key has no material). */
export async function cancelKeyDeletion(book: KeyBook, keyId: string): Promise<void> {
  await transition(book, keyId, ['PendingDelete'], 'CancelKeyDeletion', async () => ({
    keyState: (await book.store.latestVersion(keyId)) === 0 ? 'PendingImport' : 'Disabled',
    deletionDate: 0,
  }))
}

/** Applies `patch` under the write lock if the key is in one of the `from` states. */
export async function transition(
  book: KeyBook,
  keyId: string,
  from: readonly KeyState[],
  action: string,
  patch: (key: KeyMetadata) => Partial<KeyMetadata> | Promise<Partial<KeyMetadata>>,
): Promise<void> {
  await book.exclusive(async () => {
    const key = await book.get(keyId, true)
    requireState(key, from, action)
    await book.store.updateKey(keyId, await patch(key))
  })
}
