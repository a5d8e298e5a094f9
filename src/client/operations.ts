// The seven phone-number operations as data: what each client method sends where. The methods
// below are driven by this table, and the agreement test holds it to the server and the capability file.

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface OperationSpec {
  /** The operation's name in Clerk's OpenAPI file and in the capability file. */
  operationId: string;
  method: HttpMethod;
  /** With `{name}` placeholders, as in the capability file. */
  path: string;
  pathParams: readonly string[];
  queryParams: readonly string[];
  /** Form fields the method may send; null when the operation takes no body. */
  bodyFields: readonly string[] | null;
}

const SESSION = ['_clerk_session_id'] as const;
const ID = ['phone_number_id'] as const;
const COLLECTION = '/v1/me/phone_numbers';
const ITEM = '/v1/me/phone_numbers/{phone_number_id}';

export const phoneNumberOperations = {
  list: { operationId: 'getPhoneNumbers', method: 'GET', path: COLLECTION, pathParams: [], queryParams: SESSION, bodyFields: null },
  create: {
    operationId: 'postPhoneNumbers', method: 'POST', path: COLLECTION, pathParams: [], queryParams: SESSION,
    bodyFields: ['phone_number', 'reserved_for_second_factor'],
  },
  get: { operationId: 'ReadPhoneNumber', method: 'GET', path: ITEM, pathParams: ID, queryParams: SESSION, bodyFields: null },
  update: {
    operationId: 'UpdatePhoneNumber', method: 'PATCH', path: ITEM, pathParams: ID, queryParams: SESSION,
    bodyFields: ['reserved_for_second_factor', 'default_second_factor'],
  },
  delete: { operationId: 'DeletePhoneNumber', method: 'DELETE', path: ITEM, pathParams: ID, queryParams: SESSION, bodyFields: null },
  prepareVerification: {
    operationId: 'sendVerificationSMS', method: 'POST', path: `${ITEM}/prepare_verification`, pathParams: ID, queryParams: SESSION,
    bodyFields: ['strategy'],
  },
  attemptVerification: {
    operationId: 'verifyPhoneNumber', method: 'POST', path: `${ITEM}/attempt_verification`, pathParams: ID, queryParams: SESSION,
    bodyFields: ['code'],
  },
} as const satisfies Record<string, OperationSpec>;

export type PhoneNumberOperationName = keyof typeof phoneNumberOperations;
