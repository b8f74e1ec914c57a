import { zValidator } from '@hono/zod-validator';
import { createMiddleware } from 'hono/factory';
import type { z } from 'zod';
import { forbiddenDestinationField } from '../core/openai-schemas';
import { GatewayError } from '../errors';

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  return path ? `${issue.message} at '${path}'` : issue.message;
}

/**
 * Rejects a body that is not valid UTF-8 (RELIABILITY V1) instead of letting the lossy decoder
 * forward U+FFFD in its place. Hono caches the bytes, so the JSON validator reads them again free.
 */
export const strictUtf8Body = createMiddleware(async (c, next) => {
  const bytes = await c.req.arrayBuffer();
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new GatewayError('invalid_json', 'The request body is not valid UTF-8.');
  }
  await next();
});

/**
 * Validates a JSON body against a loose OpenAI schema and turns every failure into the one error
 * model: malformed JSON → 400 invalid_json (from Hono's parser, mapped in errors.ts), schema
 * violation → 400 invalid_request naming the field, destination-choosing fields → 400.
 */
export function jsonBody<T extends z.ZodType<Record<string, unknown>>>(schema: T) {
  return zValidator('json', schema, (result) => {
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new GatewayError(
        'invalid_request',
        issue ? describeIssue(issue) : 'The request body is invalid.',
        { param: issue?.path.map(String).join('.') || undefined },
      );
    }
    const field = forbiddenDestinationField(result.data);
    if (field !== undefined) {
      throw new GatewayError(
        'forbidden_parameter',
        `'${field}' is not accepted: the gateway chooses where requests go.`,
        { param: field },
      );
    }
  });
}
