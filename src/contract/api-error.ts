/** Why an AgentApi call failed; the console maps it to an HTTP status, Electron passes it as is. */
export type ApiErrorCode = 'bad_request' | 'not_found' | 'unavailable' | 'internal';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The JSON body of a failed call. */
export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode | 'unauthorized' | 'forbidden'; readonly message: string };
}
