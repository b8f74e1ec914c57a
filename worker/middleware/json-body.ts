import { zValidator } from '@hono/zod-validator';
import type { z } from 'zod';
import { forbiddenDestinationField } from '../core/openai-schemas';
import { GatewayError } from '../errors';

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  return path ? `${issue.message} at '${path}'` : issue.message;
}

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
