import type { z } from 'zod';
import { describeIssues } from '../protocol/index.js';
import { HubError } from './hub-error.js';

/** Validates a request part, answering 400 `validation` with every bad path named. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HubError('validation', `invalid ${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
