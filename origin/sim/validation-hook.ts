import type { Context } from 'hono';
import { errorResponse, SimError } from './sim-error';

/** The part of zValidator's result the hook reads (structural, so it fits every schema). */
type ValidationResult =
  | { success: true }
  | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } };

/**
 * The `zValidator` hook of every route: a schema violation becomes a 400 in the one error
 * envelope, naming each offending field, instead of zod's raw error JSON.
 */
export function validationHook(result: ValidationResult, _c: Context): Response | undefined {
  if (result.success) return undefined;
  const message = result.error.issues
    .map((issue) => `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`)
    .join('; ');
  return errorResponse(new SimError('bad_request', message));
}
