import { needs } from '@keyward/core'
import type { Params } from './params.js'

/** A key's tag as Tencent's API carries it. */
export interface KeyTag {
  readonly key: string
  readonly value: string
}

/** A ListKeyDetail TagFilter: keys that carry `key` (with one of `values`, when any are given). */
export interface TagFilter {
  readonly key: string
  readonly values: readonly string[]
}

/** Tencent Cloud's tag limits (tag service): 50 tags a resource, keys ≤ 127 characters, values ≤ 255. */
export const TAG_LIMITS = { perKey: 50, keyChars: 127, valueChars: 255 } as const

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function tagKey(v: unknown, where: string): string {
  needs(
    typeof v === 'string' && v.length >= 1 && v.length <= TAG_LIMITS.keyChars,
    'InvalidParameterValue',
    `${where}.TagKey must be 1-${TAG_LIMITS.keyChars} characters.`,
  )
  return v
}

function tagValue(v: unknown, where: string): string {
  needs(
    typeof v === 'string' && v.length <= TAG_LIMITS.valueChars,
    'InvalidParameterValue',
    `${where}.TagValue must be a string of at most ${TAG_LIMITS.valueChars} characters.`,
  )
  return v
}

/** CreateKey's `Tags`: a list of {TagKey, TagValue}, each key once. Absent or empty: no tags. */
export function tagsParam(p: Params, name = 'Tags'): KeyTag[] {
  const raw = p[name]
  if (raw === undefined || raw === null) return []
  needs(Array.isArray(raw), 'InvalidParameter', `${name} must be a list of {TagKey, TagValue}.`)
  needs(raw.length <= TAG_LIMITS.perKey, 'InvalidParameterValue', `${name} may hold at most ${TAG_LIMITS.perKey} tags.`)
  const seen = new Set<string>()
  return raw.map((t: unknown, i) => {
    const where = `${name}.${i}`
    needs(isObject(t), 'InvalidParameter', `${where} must be an object {TagKey, TagValue}.`)
    const key = tagKey(t['TagKey'], where)
    needs(!seen.has(key), 'InvalidParameterValue', `${name} names the tag key ${JSON.stringify(key)} twice.`)
    seen.add(key)
    return { key, value: tagValue(t['TagValue'] ?? '', where) }
  })
}

/** ListKeyDetail's `TagFilters`: a list of {TagKey, TagValue?: string[]}. */
export function tagFiltersParam(p: Params, name = 'TagFilters'): TagFilter[] {
  const raw = p[name]
  if (raw === undefined || raw === null) return []
  needs(Array.isArray(raw), 'InvalidParameter', `${name} must be a list of {TagKey, TagValue}.`)
  needs(
    raw.length <= TAG_LIMITS.perKey,
    'InvalidParameterValue',
    `${name} may hold at most ${TAG_LIMITS.perKey} filters.`,
  )
  return raw.map((f: unknown, i) => {
    const where = `${name}.${i}`
    needs(isObject(f), 'InvalidParameter', `${where} must be an object {TagKey, TagValue}.`)
    const values = f['TagValue'] ?? []
    needs(Array.isArray(values), 'InvalidParameter', `${where}.TagValue must be a list of strings.`)
    return { key: tagKey(f['TagKey'], where), values: values.map((v: unknown) => tagValue(v, where)) }
  })
}

/**
 * True when `tags` satisfy every filter (as Tencent's tag filters: all filters must hold; within one, any of its
 * values, or any value when it lists none).
 */
export function matchesTagFilters(tags: readonly KeyTag[], filters: readonly TagFilter[]): boolean {
  return filters.every((f) =>
    tags.some((t) => t.key === f.key && (f.values.length === 0 || f.values.includes(t.value))),
  )
}
