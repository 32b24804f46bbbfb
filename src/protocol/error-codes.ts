/** Every coded error the hub answers with, and its HTTP status. */
export const HUB_ERRORS = {
  bad_request: 400,
  validation: 400,
  invalid_json: 400,
  protocol_mismatch: 400,
  unknown_entity: 400,
  key_mismatch: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  internal: 500,
} as const;

export type HubErrorCode = keyof typeof HUB_ERRORS;
