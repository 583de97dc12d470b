/**
 * Generates packages/server/src/protocol/kms-api-models.generated.ts from the Tencent Cloud SDK's own request models
 * (tencentcloud-sdk-nodejs, services/kms/v20190118/kms_models.d.ts), so that the server's UnknownParameter check and
 * the CLI's parameter checks and help are the SDK's, not a hand-written copy.
 *
 *   npx tsx scripts/gen-kms-api-models.ts          # rewrite the generated file
 *   npx tsx scripts/gen-kms-api-models.ts --check  # exit 1 when it is out of date (a test runs the same check)
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/** One field of a request model (or of a structure a request nests). */
export interface GeneratedField {
  name: string
  /** `string`, `integer`, `boolean`, or the name of a structure in KMS_STRUCT_MODELS. */
  type: string
  list: boolean
  required: boolean
  description: string
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const GENERATED_FILE = join(ROOT, 'packages/server/src/protocol/kms-api-models.generated.ts')

function sdkPaths(): { models: string; version: string } {
  const require = createRequire(join(ROOT, 'providers/tencent-kms/package.json'))
  const pkgJson = require.resolve('tencentcloud-sdk-nodejs/package.json')
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version
  return { models: join(dirname(pkgJson), 'tencentcloud/services/kms/v20190118/kms_models.d.ts'), version }
}

/** The first sentence of a TSDoc comment, on one line (tccli's help shows the same text). */
function oneLine(doc: string): string {
  const text = doc.replace(/\s+/g, ' ').trim()
  const cut = text.search(/[。；;]|\. /)
  return (cut > 0 ? text.slice(0, cut) : text).trim()
}

function docOf(node: ts.Node, source: ts.SourceFile): string {
  const ranges = ts.getLeadingCommentRanges(source.text, node.pos) ?? []
  const last = ranges[ranges.length - 1]
  if (!last) return ''
  return source.text
    .slice(last.pos, last.end)
    .replace(/^\/\*\*|\*\/$/g, '')
    .replace(/^\s*\*/gm, '')
}

function typeOf(t: ts.TypeNode | undefined): { type: string; list: boolean } {
  if (!t) return { type: 'string', list: false }
  if (ts.isTypeReferenceNode(t) && t.typeName.getText() === 'Array' && t.typeArguments?.[0]) {
    return { type: typeOf(t.typeArguments[0]).type, list: true }
  }
  if (ts.isArrayTypeNode(t)) return { type: typeOf(t.elementType).type, list: true }
  switch (t.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: 'string', list: false }
    // Every number in the KMS request models is an integer (Type, NumberOfBytes, ValidTo, Offset, Limit, ...).
    case ts.SyntaxKind.NumberKeyword:
      return { type: 'integer', list: false }
    case ts.SyntaxKind.BooleanKeyword:
      return { type: 'boolean', list: false }
    default:
      return { type: t.getText(), list: false }
  }
}

/** Request models by Action and the structures they use, read from the SDK's kms_models.d.ts. */
export function readSdkModels(): {
  version: string
  requests: Record<string, GeneratedField[]>
  structs: Record<string, GeneratedField[]>
} {
  const { models, version } = sdkPaths()
  const source = ts.createSourceFile(models, readFileSync(models, 'utf8'), ts.ScriptTarget.ES2022, true)
  const interfaces = new Map<string, GeneratedField[]>()
  const requests: Record<string, GeneratedField[]> = {}
  for (const stmt of source.statements) {
    if (ts.isInterfaceDeclaration(stmt)) {
      const fields: GeneratedField[] = []
      for (const m of stmt.members) {
        if (!ts.isPropertySignature(m)) continue
        fields.push({
          name: m.name.getText(),
          ...typeOf(m.type),
          required: !m.questionToken,
          description: oneLine(docOf(m, source)),
        })
      }
      interfaces.set(stmt.name.text, fields)
    } else if (
      ts.isTypeAliasDeclaration(stmt) &&
      stmt.name.text.endsWith('Request') &&
      stmt.type.kind === ts.SyntaxKind.LiteralType
    ) {
      // `export type XRequest = null`: an Action without parameters.
      interfaces.set(stmt.name.text, [])
    }
  }
  for (const [name, fields] of interfaces)
    if (name.endsWith('Request')) requests[name.slice(0, -'Request'.length)] = fields
  const structs: Record<string, GeneratedField[]> = {}
  const visit = (fields: GeneratedField[]): void => {
    for (const f of fields) {
      if (['string', 'integer', 'boolean'].includes(f.type) || structs[f.type]) continue
      const nested = interfaces.get(f.type)
      if (!nested) throw new Error(`kms_models.d.ts: ${f.name} has type ${f.type}, which it does not define`)
      structs[f.type] = nested
      visit(nested)
    }
  }
  for (const fields of Object.values(requests)) visit(fields)
  const sorted = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)))
  return { version, requests: sorted(requests), structs: sorted(structs) }
}

/** The text of the generated module. */
export function renderModels(): string {
  const { version, requests, structs } = readSdkModels()
  const body = (o: Record<string, GeneratedField[]>): string =>
    Object.entries(o)
      .map(([name, fields]) => `  ${name}: [\n${fields.map((f) => `    ${JSON.stringify(f)},\n`).join('')}  ],\n`)
      .join('')
  return `// Generated by scripts/gen-kms-api-models.ts from tencentcloud-sdk-nodejs@${version}
// (tencentcloud/services/kms/v20190118/kms_models.d.ts). Do not edit: run \`npx tsx scripts/gen-kms-api-models.ts\`.
import type { ApiField } from './kms-api-model-types.js'

/** The tencentcloud-sdk-nodejs version these models were read from. */
export const KMS_SDK_VERSION = ${JSON.stringify(version)}

/** Each Action's request parameters, as the SDK's \`<Action>Request\` interface defines them. */
export const KMS_REQUEST_MODELS: Readonly<Record<string, readonly ApiField[]>> = {
${body(requests)}}

/** Structures that request parameters nest (Tag, TagFilter, ...). */
export const KMS_STRUCT_MODELS: Readonly<Record<string, readonly ApiField[]>> = {
${body(structs)}}
`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderModels()
  if (process.argv.includes('--check')) {
    const current = readFileSync(GENERATED_FILE, 'utf8')
    if (current !== text) {
      console.error(`${GENERATED_FILE} is out of date: run npx tsx scripts/gen-kms-api-models.ts`)
      process.exit(1)
    }
  } else {
    writeFileSync(GENERATED_FILE, text)
    console.error(`wrote ${GENERATED_FILE}`)
  }
}
