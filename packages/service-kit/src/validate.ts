import type { z } from 'zod';

import { AppError } from './errors';

/** Parses input with a schema; failure is an INVALID_INPUT error listing every issue. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError('INVALID_INPUT', `${what} is invalid`, {
    errors: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  });
}
