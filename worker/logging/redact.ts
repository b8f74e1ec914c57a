import type { Logger } from '../ports';

/**
 * Scrubs secrets from text bound for a log line (RELIABILITY O1): the deployment's own secrets
 * verbatim, plus the shapes credentials take in error messages — API keys, bearer tokens, URL
 * user-info and credential query parameters.
 */
export const credentialPatterns: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\bBearer\s+[^\s"',;]+/gi,
  /(?<=:\/\/)[^/\s:@]+:[^/\s@]+(?=@)/g,
  /(?<=[?&](?:api[_-]?key|key|token|access_token|secret|password|sig|signature)=)[^&\s"']+/gi,
];

export const redacted = '[redacted]';

/** Replaces the deployment's secrets and credential shapes with `placeholder`. */
export function redact(text: string, secrets: readonly string[], placeholder = redacted): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join(placeholder);
  for (const pattern of credentialPatterns) out = out.replace(pattern, placeholder);
  return out;
}

function redactFields(fields: Record<string, unknown> | undefined, secrets: readonly string[]) {
  if (fields === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [
      key,
      typeof value === 'string' ? redact(value, secrets) : value,
    ]),
  );
}

/** Wraps a logger so that no message or string field it writes can carry a secret. */
export function redactingLogger(base: Logger, secrets: readonly (string | undefined)[]): Logger {
  const known = secrets.filter((s): s is string => s !== undefined);
  return {
    info: (msg, fields) => base.info(redact(msg, known), redactFields(fields, known)),
    warn: (msg, fields) => base.warn(redact(msg, known), redactFields(fields, known)),
    error: (msg, fields) => base.error(redact(msg, known), redactFields(fields, known)),
  };
}
