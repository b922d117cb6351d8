import { AdminUser, Me, TokenBody } from './accounts.js';
import { ErrorBody } from './common.js';
import { Image } from './images.js';

/** Schemas the OpenAPI spec names in `components.schemas` (and refers to by `$ref`), so that tools see one Image, one Error. */
export const NAMED_SCHEMAS: Record<string, object> = { Image, Error: ErrorBody, Token: TokenBody, Me, AdminUser };
