import type { ErrorObject } from 'ajv';

import schema from './config.schema.json';
// Built from config.schema.json by scripts/generate-validator.js (npm run build),
// so no run pays for loading ajv's compiler and compiling the schema.
import validateSchema from './config-validator.generated';
import type { KeyPath } from './yaml-source';

/** One problem in the merged settings, before it is given a file and line. */
export interface SettingProblem {
  path: KeyPath;
  message: string;
  /** Part of the YAML the message points to: the key (for unknown or invalid names) or, by default, its value. */
  target?: 'key' | 'value';
}

interface SchemaNode {
  expected?: string;
  type?: string;
  $ref?: string;
  properties?: Record<string, SchemaNode>;
}

/** The generated validator: ajv's standalone code, which stores the errors of the last call on itself. */
const validator = validateSchema as { (data: unknown): boolean; errors?: ErrorObject[] | null };

/** Describes a value found in the YAML for a "got …" clause. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) {
    return 'an empty value';
  }

  if (Array.isArray(value)) {
    return 'a list';
  }

  if (typeof value === 'object') {
    return 'a map';
  }

  if (typeof value === 'string') {
    return `string ${JSON.stringify(value)}`;
  }

  return `${typeof value} ${String(value)}`;
}

/** Describes only the type of a value: "a number", "a list", "an empty value". */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) {
    return 'an empty value';
  }

  if (Array.isArray(value)) {
    return 'a list';
  }

  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

function resolveSchema(node: SchemaNode | undefined): SchemaNode | undefined {
  if (node?.$ref === undefined) {
    return node;
  }

  const name = node.$ref.replace('#/definitions/', '');
  return (schema.definitions as Record<string, SchemaNode>)[name];
}

function expectedText(node: SchemaNode | undefined): string {
  const resolved = resolveSchema(node);

  return resolved?.expected ?? resolved?.type ?? 'a valid value';
}

function pathOf(instancePath: string): KeyPath {
  if (instancePath === '') {
    return [];
  }

  return instancePath
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/** Edit distance, to suggest the key an operator probably meant. */
function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);

  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + cost);
      diagonal = above;
    }
  }

  return previous[b.length];
}

export function suggestKey(key: string, allowed: string[]): string | undefined {
  const ranked = allowed
    .map((candidate) => ({ candidate, distance: editDistance(key, candidate) }))
    .sort((left, right) => left.distance - right.distance);

  const best = ranked[0];
  return best !== undefined && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.candidate : undefined;
}

/** Checks whether a path names a component's environment variable, whose value may be a secret. */
function isEnvValue(path: KeyPath): boolean {
  return path.length === 4 && path[0] === 'components' && path[2] === 'env';
}

function describeError(error: ErrorObject): SettingProblem | undefined {
  const path = pathOf(error.instancePath);
  const parentSchema = error.parentSchema as SchemaNode | undefined;
  // Messages name only the type of an environment value, never the value itself.
  const got = isEnvValue(path) ? describeType(error.data) : describeValue(error.data);

  switch (error.keyword) {
    case 'type':
      return { path, message: `wrong type (got ${got}, expected ${expectedText(parentSchema)})` };

    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const expected = expectedText(parentSchema?.properties?.[missing]);
      return { path: [...path, missing], message: `missing required key (expected ${expected})` };
    }

    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(parentSchema?.properties ?? {});
      const suggestion = suggestKey(key, allowed);
      const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
      return {
        path: [...path, key],
        target: 'key',
        message: `unknown key (got "${key}", expected one of ${allowed.join(', ')}${hint})`,
      };
    }

    case 'propertyNames':
      // ajv reports the failing name again with the inner keyword; that one carries the detail.
      return undefined;

    default: {
      // ajv 8 puts the name that failed a propertyNames subschema on the error itself.
      const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
      if (propertyName !== undefined) {
        return {
          path: [...path, propertyName],
          target: 'key',
          message: `invalid name (got "${propertyName}", expected ${expectedText(parentSchema)})`,
        };
      }
      return { path, message: `invalid value (got ${got}, expected ${expectedText(parentSchema)})` };
    }
  }
}

/** Checks merged settings against the JSON Schema and returns every problem found. */
export function validateSettings(settings: unknown): SettingProblem[] {
  if (validator(settings)) {
    return [];
  }

  const problems: SettingProblem[] = [];

  for (const error of validator.errors ?? []) {
    const problem = describeError(error);
    if (problem !== undefined) {
      problems.push(problem);
    }
  }

  return problems;
}
