import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import buildSerializer from 'fast-json-stringify';

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
 * A validator compiled on its first use. Compiling every route's schemas when the server starts (Ajv
 * for the parts of each request, fast-json-stringify for each response status) was a fifth of the
 * start-up CPU, for schemas most processes never use (error statuses, admin routes). Fastify reads
 * `errors` from the function after a call, as Ajv's own functions keep them.
 */
function validateOnFirstUse(ajv: Ajv, schema: object) {
  let compiled: ValidateFunction | undefined;
  const validate = (data: unknown): boolean => {
    compiled ??= ajv.compile(schema);
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  };
  validate.errors = null as ErrorObject[] | null | undefined;
  return validate;
}

/**
 * Bodies are validated as they are: a JSON body of the wrong type (["x"] for a name) is a 400, not
 * coerced into something else. Query strings, paths and headers are text, so numbers and booleans
 * in them are read from their text. Validators and serializers are compiled on first use.
 */
export const validationPlugin = fp(async (app: FastifyInstance) => {
  const strict = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const fromText = textValidator();
  app.setValidatorCompiler(({ schema, httpPart }) => validateOnFirstUse(httpPart === 'body' ? strict : fromText, schema));
  app.setSerializerCompiler(({ schema }) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data: unknown) => (serialize ??= buildSerializer(schema as Parameters<typeof buildSerializer>[0]))(data);
  });
});
