import type { z } from 'zod';

/** JSON text for a value that conforms to the schema, or undefined when it does not. */
export type FastWriter = (value: unknown) => string | undefined;

interface Def {
  type: string;
  checks?: unknown[];
  coerce?: boolean;
  innerType?: z.ZodType;
  element?: z.ZodType;
  entries?: Record<string, unknown>;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * Compiles a response writer from a zod output schema, for the plain shapes that answers use:
 * objects (unknown keys dropped, as zod strips them), strings, booleans, string enums, arrays,
 * nullables and string-keyed records of unknown values (written as JSON.stringify does), none with checks, coercions or transforms. Returns undefined for any other
 * schema. The writer checks every value as it writes it and gives up (undefined) on the first
 * one zod would not accept, so that the caller falls back to zod, which then answers exactly
 * as before (the same bytes for a conforming value: same key order, JSON.stringify of each leaf).
 */
export function compileFastWriter(schema: z.ZodType): FastWriter | undefined {
  const def = defOf(schema);
  if (def.coerce || (def.checks && def.checks.length > 0)) return undefined;
  switch (def.type) {
    case 'boolean':
      return (v) => (v === true ? 'true' : v === false ? 'false' : undefined);
    case 'string':
      return (v) => (typeof v === 'string' ? JSON.stringify(v) : undefined);
    case 'enum': {
      const values = Object.values(def.entries ?? {});
      if (!values.every((x) => typeof x === 'string')) return undefined;
      const allowed = new Map(values.map((x) => [x as string, JSON.stringify(x)]));
      return (v) => (typeof v === 'string' ? allowed.get(v) : undefined);
    }
    case 'nullable': {
      const inner = def.innerType && compileFastWriter(def.innerType);
      return inner && ((v) => (v === null ? 'null' : inner(v)));
    }
    case 'record': {
      // Only a string-keyed record of unknown values (a key's meta): any plain JSON object.
      if (!def.keyType || !def.valueType || defOf(def.keyType).type !== 'string') return undefined;
      if (defOf(def.valueType).type !== 'unknown') return undefined;
      return (v) => {
        if (typeof v !== 'object' || v === null) return undefined;
        const proto: unknown = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) return undefined;
        try {
          return JSON.stringify(v);
        } catch {
          return undefined;
        }
      };
    }
    case 'array': {
      const item = def.element && compileFastWriter(def.element);
      if (!item) return undefined;
      return (v) => {
        if (!Array.isArray(v)) return undefined;
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          const text = item(v[i]);
          if (text === undefined) return undefined;
          out += i === 0 ? text : ',' + text;
        }
        return out + ']';
      };
    }
    case 'object': {
      if (def.catchall !== undefined || !def.shape) return undefined;
      const fields: { prefix: string; write: FastWriter; name: string }[] = [];
      for (const [name, field] of Object.entries(def.shape)) {
        const write = compileFastWriter(field);
        if (!write) return undefined;
        fields.push({ name, write, prefix: `${JSON.stringify(name)}:` });
      }
      return (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
        const record = v as Record<string, unknown>;
        let out = '{';
        for (let i = 0; i < fields.length; i++) {
          const field = fields[i]!;
          const text = field.write(record[field.name]);
          if (text === undefined) return undefined;
          out += (i === 0 ? '' : ',') + field.prefix + text;
        }
        return out + '}';
      };
    }
    default:
      return undefined;
  }
}
