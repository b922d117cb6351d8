import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = {
  allErrors: true,
  // The value that failed is reported, so that messages can name it ("bmp" is not a valid choice).
  verbose: true,
  useDefaults: true,
  // Route schemas carry documentation-only keywords (example, x-…); they are not validation errors.
  strict: false,
};

/** The validator of query strings, paths and headers: values are read from their text. */
export function textValidator(): Ajv {
  return addFormats(new Ajv({ ...common, coerceTypes: true }));
}

/**
 * Bodies are validated as they are: a JSON body of the wrong type (["x"] for a name) is a 400, not
 * coerced into something else. Query strings, paths and headers are text, so numbers and booleans
 * in them are read from their text.
 */
export const validationPlugin = fp(async (app: FastifyInstance) => {
  const strict = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const fromText = textValidator();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : fromText).compile(schema));
});
