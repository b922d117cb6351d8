type Json = unknown;

/** JSON with object keys in a fixed order, so that equal schemas compare equal. */
function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, Json>).filter(([, item]) => item !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** As @fastify/swagger writes a schema into the spec: a record (any key) becomes `additionalProperties`. */
function asInSpec(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(asInSpec);
  if (!schema || typeof schema !== 'object') return schema;
  const { patternProperties, ...rest } = schema as Record<string, Json>;
  const converted = Object.fromEntries(Object.entries(rest).map(([key, item]) => [key, asInSpec(item)]));
  const anyKey = (patternProperties as Record<string, Json> | undefined)?.['^.*$'];
  return anyKey === undefined ? converted : { ...converted, additionalProperties: asInSpec(anyKey) };
}

/**
 * Moves the named schemas into `components.schemas` and replaces every copy of one in the document
 * by a `$ref`: the route schemas stay self-contained (each validates on its own), the spec names
 * them once.
 */
export function hoistNamedSchemas<T extends { components?: { schemas?: Record<string, Json> } }>(
  document: T,
  named: Record<string, object>,
): T {
  const inSpec = Object.fromEntries(Object.entries(named).map(([name, schema]) => [name, asInSpec(JSON.parse(JSON.stringify(schema)))]));
  const byShape = new Map(Object.entries(inSpec).map(([name, schema]) => [canonical(schema), name]));
  const replace = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(replace);
    if (!node || typeof node !== 'object') return node;
    const name = byShape.get(canonical(node));
    if (name) return { $ref: `#/components/schemas/${name}` };
    return Object.fromEntries(Object.entries(node as Record<string, Json>).map(([key, item]) => [key, replace(item)]));
  };
  const { components, ...rest } = document;
  const replaced = replace(rest) as T;
  return { ...replaced, components: { ...components, schemas: { ...components?.schemas, ...inSpec } } };
}
