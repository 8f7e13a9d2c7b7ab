import fastJsonStringify from 'fast-json-stringify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

type RouteSchema = Parameters<typeof zodSerializerCompiler>[0];

/** Keywords that fast-json-stringify can only decide by validating at run time (with ajv). */
const COMBINATOR = /"(anyOf|oneOf|allOf|not|if)":/;

/**
 * Responses are written by fast-json-stringify (Fastify's own serializer) from the zod schema's
 * JSON Schema: only the declared properties go out. 0.2-0.3 us against zod's parse-and-stringify
 * 0.8-0.9 us per answer, ~1 us of a ~17 us admin GET (bench/RESULTS.md). A schema with unions
 * keeps zod's serializer.
 */
export const serializerCompiler = (route: RouteSchema) => {
  // Compiled at a route's first answer, not at start-up (~50 ms for all routes' schemas: buildApp 120 -> 70 ms).
  let serialize: ((data: unknown) => string) | undefined;
  return (data: unknown): string => (serialize ??= compile(route))(data);
};

function compile(route: RouteSchema): (data: unknown) => string {
  const json = z.toJSONSchema(route.schema as z.ZodType, {
    target: 'openapi-3.0',
    io: 'output',
    unrepresentable: 'any',
  });
  if (COMBINATOR.test(JSON.stringify(json))) return zodSerializerCompiler(route);
  return fastJsonStringify(json as Parameters<typeof fastJsonStringify>[0]);
}
