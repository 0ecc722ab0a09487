type PlainMap = Record<string, unknown>;

function isPlainMap(value: unknown): value is PlainMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges an environment's settings over the defaults. Maps merge key by key;
 * lists and scalars from the override replace the default's whole value.
 */
export function mergeSettings(defaults: unknown, override: unknown): unknown {
  if (override === undefined) {
    return defaults;
  }

  if (!isPlainMap(defaults) || !isPlainMap(override)) {
    return override;
  }

  const merged: PlainMap = { ...defaults };

  for (const [key, value] of Object.entries(override)) {
    merged[key] = mergeSettings(defaults[key], value);
  }

  return merged;
}
