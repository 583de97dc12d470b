import type { KmsClient, KmsResponse } from '@keyward/provider-tencent-kms'

/** A KMS response as the API returns it: `{"Response": {...}}`, with `Error` inside on failure. */
export interface KmsEnvelope {
  Response: Record<string, unknown>
}

/**
 * Where `keyward kms` sends an Action: the embedded stores in $KEYWARD_HOME (the server's LocalKms, whose `call` is
 * its ActionDispatcher), or a remote endpoint (Tencent Cloud, or `keyward serve`: RemoteTransport), possibly behind
 * ComplianceTransport. cli-session.ts chooses.
 */
export interface KmsTransport {
  /** Runs one Action; API errors come back inside the envelope, transport failures throw a KeywardError. */
  call(action: string, params: Readonly<Record<string, unknown>>): Promise<KmsEnvelope>
  close(): Promise<void>
}

/** The `Error` of a response, when it is one. */
export function responseError(envelope: KmsEnvelope): { code: string; message: string; requestId: string } | undefined {
  const err = envelope.Response['Error'] as { Code?: unknown; Message?: unknown } | undefined
  if (!err) return undefined
  const requestId = envelope.Response['RequestId']
  return {
    code: String(err.Code ?? 'InternalError'),
    message: String(err.Message ?? ''),
    requestId: typeof requestId === 'string' ? requestId : '',
  }
}

/** An API error with the fields the SDK's exception has (`code`, `requestId`), which mapTencentError reads. */
class KmsApiError extends Error {
  override readonly name = 'KmsApiError'

  constructor(
    message: string,
    readonly code: string,
    readonly requestId: string,
  ) {
    super(message)
  }
}

/**
 * A transport as the structural KmsClient of the Tencent provider, so that the file commands (envelope,
 * signatures, BYOK) run over the same Actions — and the same account and audit log — as `keyward kms`.
 */
export function transportClient(transport: KmsTransport): KmsClient {
  return {
    async request(action: string, req: Readonly<Record<string, unknown>>): Promise<KmsResponse> {
      const envelope = await transport.call(action, req)
      const err = responseError(envelope)
      if (err) throw new KmsApiError(err.message, err.code, err.requestId)
      return envelope.Response
    },
  }
}
