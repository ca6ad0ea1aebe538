// The one place JSON Schemas are compiled and their errors put into words. Requests
// (Fastify's validator compiler) and records inside a body (bulk lines, optional bodies)
// use the same instance, so every 400 names the field the same way.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

// Requests get coercion (query strings and path params are strings on the wire) and defaults,
// as Fastify's own instance had; records inside a body are taken as they are.
const coercing = new Ajv({ strict: false, allErrors: true, coerceTypes: 'array', useDefaults: true, removeAdditional: false });
const strict = new Ajv({ strict: false, allErrors: true, useDefaults: true, removeAdditional: false });

export function compileRequestSchema(schema: object): ValidateFunction {
  return coercing.compile(schema);
}

/** A validator for records within a body (bulk lines, an optional body). */
export function compileRecordSchema<T>(schema: object): ValidateFunction<T> {
  return strict.compile<T>(schema);
}

export interface FieldError {
  field: string;
  message: string;
}

/** Each error as the field it is about and what is wrong with it, in plain words. */
export function fieldErrors(errors: readonly ErrorObject[] | null | undefined, fallbackField = 'record'): FieldError[] {
  return (errors ?? []).map((e) => {
    const params = e.params as { missingProperty?: string; additionalProperty?: string };
    const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
    if (e.keyword === 'additionalProperties')
      return { field: path || params.additionalProperty || fallbackField, message: `unknown field: ${params.additionalProperty}` };
    if (e.keyword === 'required')
      return {
        field: path ? `${path}.${params.missingProperty}` : (params.missingProperty ?? fallbackField),
        message: `missing field: ${params.missingProperty}`,
      };
    return { field: path || fallbackField, message: `${path || fallbackField} ${e.message ?? 'is invalid'}` };
  });
}
