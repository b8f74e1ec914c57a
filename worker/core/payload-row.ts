import type { RequestPayloadRow } from '../db/schema';
import { redactPayload } from '../logging/redact-payload';
import type { RelayOutcome } from './sse-relay';
import type { CapturedText } from './stream-text-capture';
import type { UsageDraft } from './usage-row';

/** Request and response are each stored up to this many UTF-8 bytes (RELIABILITY O2). */
export const payloadCapBytes = 64 * 1024;

/**
 * How far past the cap text is read before redaction, so a secret that straddles the cut is seen
 * whole and replaced, never stored as a recognisable half. It also bounds the redaction work on a
 * multi-megabyte prompt to about the cap.
 */
export const redactionMarginChars = 4 * 1024;

/**
 * What the SSE relay keeps of a stream's text. A UTF-16 code unit is at least one UTF-8 byte, so
 * this many code units always cover the cap plus the margin.
 */
export const captureMaxChars = payloadCapBytes + redactionMarginChars;

const encoder = new TextEncoder();

/** The longest prefix of `text` within `maxBytes` of UTF-8, never splitting a character. */
export function capUtf8(text: string, maxBytes: number): CapturedText {
  // Three bytes per UTF-16 code unit is the most UTF-8 needs, so short text skips the encoding.
  if (text.length * 3 <= maxBytes) return { text, truncated: false };
  const { read } = encoder.encodeInto(text, new Uint8Array(maxBytes));
  return read >= text.length
    ? { text, truncated: false }
    : { text: text.slice(0, read), truncated: true };
}

/** Plain text (a stream's answer): redacted within the window, then capped. */
export function storedText(captured: CapturedText, secrets: readonly string[]): CapturedText {
  const window = captured.text.slice(0, captureMaxChars);
  const capped = capUtf8(redactPayload(window, secrets), payloadCapBytes);
  return {
    text: capped.text,
    truncated: capped.truncated || captured.truncated || window.length < captured.text.length,
  };
}

/**
 * A JSON value as JSON text with every string redacted, then capped. Keys and numbers are left as
 * they are: they are the API's field names and parameters, not what people type. Redacting each
 * string (rather than the JSON text) keeps escapes like `\n` out of the patterns' way.
 */
export function storedJson(value: unknown, secrets: readonly string[]): CapturedText {
  // Each string is printed whole, so once the strings printed so far reach the cap in length,
  // everything after them lies past the cut: those are blanked instead of redacted for nothing.
  let charsBefore = 0;
  let dropped = false;
  const json = JSON.stringify(value, (_key, field: unknown) => {
    if (typeof field !== 'string') return field;
    const room = payloadCapBytes - charsBefore;
    if (room <= 0) {
      dropped ||= field.length > 0;
      return '';
    }
    const window = field.slice(0, room + redactionMarginChars);
    dropped ||= window.length < field.length;
    charsBefore += field.length;
    return redactPayload(window, secrets);
  }) as string | undefined;
  const capped = capUtf8(json ?? '', payloadCapBytes);
  return { text: capped.text, truncated: capped.truncated || dropped };
}

export interface PayloadOptions {
  /** How long the row is kept before the hourly cron deletes it. */
  retentionMs: number;
  /** The deployment's own secrets, replaced wherever they appear verbatim. */
  secrets: readonly string[];
}

/**
 * The `request_payloads` row for a request whose key stores payloads, or undefined when there is
 * nothing to store: the key did not opt in, or the request never reached an engine.
 */
export function buildPayloadRow(
  draft: UsageDraft,
  relay: RelayOutcome | undefined,
  options: PayloadOptions,
): RequestPayloadRow | undefined {
  const payload = draft.payload;
  if (payload === undefined || draft.tenantId === undefined || draft.keyId === undefined) {
    return undefined;
  }
  const request = storedJson(payload.request, options.secrets);
  const response =
    relay?.text !== undefined
      ? storedText(relay.text, options.secrets)
      : payload.response === undefined
        ? { text: '', truncated: false }
        : storedJson(payload.response, options.secrets);
  return {
    requestId: draft.requestId,
    tenantId: draft.tenantId,
    keyId: draft.keyId,
    createdAtMs: draft.startedAtMs,
    expiresAtMs: draft.startedAtMs + options.retentionMs,
    request: request.text,
    response: response.text,
    truncated: request.truncated || response.truncated,
  };
}
