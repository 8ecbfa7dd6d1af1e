/**
 * Decodes the payloads and failures of a history with the client's data converter, codecs
 * included (an encrypting codec on the client is honoured), through the SDK's public interfaces.
 */
import type { WorkflowHandle } from '@temporalio/client';
import {
  arrayFromPayloads,
  type LoadedDataConverter,
  type Payload,
  type PayloadCodec,
  type ProtoFailure,
} from '@temporalio/common';
import { type FlatFailure, flattenFailure } from '../client/failure';

export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
export type HistoryEvent = NonNullable<History['events']>[number];
type Payloads = { payloads?: Payload[] | null } | null | undefined;

/** Codecs encode in order, so they decode in reverse. */
async function decodePayloads(
  codecs: PayloadCodec[],
  payloads: Payload[],
): Promise<Payload[]> {
  let out = payloads;
  for (let i = codecs.length - 1; i >= 0; i--)
    out = await codecs[i].decode(out);
  return out;
}

export class HistoryDecoder {
  constructor(private readonly dc: LoadedDataConverter) {}

  async args(p: Payloads): Promise<unknown[]> {
    return p?.payloads?.length
      ? arrayFromPayloads(
          this.dc.payloadConverter,
          await decodePayloads(this.dc.payloadCodecs, p.payloads),
        )
      : [];
  }

  async first(p: Payloads): Promise<unknown> {
    return (await this.args(p))[0];
  }

  /** A single optional payload (user metadata); undefined when absent or undecodable. */
  async single(p: Payload | null | undefined): Promise<unknown> {
    if (!p) return undefined;
    try {
      const [decoded] = await decodePayloads(this.dc.payloadCodecs, [p]);
      return this.dc.payloadConverter.fromPayload(decoded) ?? undefined;
    } catch {
      return undefined;
    }
  }

  async failure(
    f: ProtoFailure | null | undefined,
  ): Promise<FlatFailure | undefined> {
    if (!f) return undefined;
    const decoded = await this.decodeFailure(f);
    return flattenFailure(
      this.dc.failureConverter.failureToError(
        decoded,
        this.dc.payloadConverter,
      ),
    );
  }

  /** Search attribute payloads hold a value or a one-element list (older encoding); never encoded by codecs. */
  searchAttributes(
    fields: Record<string, Payload> | null | undefined,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(fields ?? {})) {
      let v: unknown;
      try {
        v = this.dc.payloadConverter.fromPayload(p);
      } catch {
        continue;
      }
      out[k] = Array.isArray(v) && v.length === 1 ? v[0] : v;
    }
    return out;
  }

  /** A failure with every payload in it (and in its causes) run through the codecs. */
  private async decodeFailure(f: ProtoFailure): Promise<ProtoFailure> {
    const many = async (p: Payloads) =>
      p
        ? {
            payloads: await decodePayloads(
              this.dc.payloadCodecs,
              p.payloads ?? [],
            ),
          }
        : undefined;
    const app = f.applicationFailureInfo;
    const timeout = f.timeoutFailureInfo;
    const cancelled = f.canceledFailureInfo;
    const reset = f.resetWorkflowFailureInfo;
    return {
      ...f,
      encodedAttributes: f.encodedAttributes
        ? (
            await decodePayloads(this.dc.payloadCodecs, [f.encodedAttributes])
          )[0]
        : undefined,
      cause: f.cause ? await this.decodeFailure(f.cause) : null,
      applicationFailureInfo: app
        ? { ...app, details: await many(app.details) }
        : undefined,
      timeoutFailureInfo: timeout
        ? {
            ...timeout,
            lastHeartbeatDetails: await many(timeout.lastHeartbeatDetails),
          }
        : undefined,
      canceledFailureInfo: cancelled
        ? { ...cancelled, details: await many(cancelled.details) }
        : undefined,
      resetWorkflowFailureInfo: reset
        ? {
            ...reset,
            lastHeartbeatDetails: await many(reset.lastHeartbeatDetails),
          }
        : undefined,
    };
  }
}
