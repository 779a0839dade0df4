/** Field-by-field differences between two JSON values, for errors that name what differs. */

function flatten(value: unknown, path: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) out.set(path, Array.isArray(value) ? '[]' : '{}');
    for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out);
    return;
  }
  if (value !== undefined) out.set(path, JSON.stringify(value));
}

/**
 * The fields in which `saved` and `current` differ, as "field: <a> in the checkpoint, <b> here"
 * (nested fields dotted, absent ones shown as "absent"), sorted by field.
 */
export function jsonDiff(saved: unknown, current: unknown, names: readonly [string, string] = ['in the checkpoint', 'here']): string[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(saved, '', a);
  flatten(current, '', b);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys
    .filter((k) => a.get(k) !== b.get(k))
    .map((k) => `${k || '(value)'}: ${a.get(k) ?? 'absent'} ${names[0]}, ${b.get(k) ?? 'absent'} ${names[1]}`);
}
