import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** zod issues as plain sentences an operator can act on, each led by the field's path. */
export function describeConfigIssues(issues: readonly Issue[], raw: unknown, schema: z.ZodType): string {
  const known = knownKeys(schema);
  return issues.map((issue) => `${pathOf(issue.path) || '(top level)'}: ${sentence(issue, valueAt(raw, issue.path), known)}`).join('; ');
}

function sentence(issue: Issue, value: unknown, known: ReadonlySet<string>): string {
  const got = value === undefined ? '' : `, got ${shown(value)}`;
  switch (issue.code) {
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (options?.length) return `must be ${either(options)}${got}`;
      // A union of a literal and an object form (e.g. a fill rule): name both.
      const branches = (issue as { errors?: Issue[][] }).errors ?? [];
      const literals = branches.flatMap((b) => b.filter((i) => i.code === 'invalid_value' && i.path.length === 0).flatMap((i) => (i as { values: unknown[] }).values));
      const objectForm = branches.some((b) => b.some((i) => i.code === 'invalid_type' && i.expected === 'object' && i.path.length === 0));
      if (literals.length > 0) return `must be ${either(literals)}${objectForm ? ' or an object (see docs/configuration.md)' : ''}${got}`;
      return `${issue.message}${got}`;
    }
    case 'invalid_value':
      return `must be ${either(issue.values)}${got}`;
    case 'invalid_type':
      return value === undefined ? `required (${article(issue.expected)})` : `expected ${article(issue.expected)}${got}`;
    case 'unrecognized_keys':
      return issue.keys
        .map((key) => {
          const near = nearest(key, known);
          return `unknown key "${key}"${near ? ` (did you mean "${near}"?)` : ''}`;
        })
        .join(', ');
    default:
      return `${issue.message}${issue.code === 'custom' ? '' : got}`;
  }
}

const either = (options: readonly unknown[]) =>
  options.length === 1 ? shown(options[0]) : `${options.slice(0, -1).map(shown).join(', ')} or ${shown(options.at(-1))}`;
const shown = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};
const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let at = raw;
  for (const part of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[part];
  }
  return at;
}

/** Every object key the schema knows, for "did you mean". */
function knownKeys(schema: z.ZodType): Set<string> {
  const keys = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (!node || seen.has(node)) return;
    seen.add(node);
    const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    if (def.shape && typeof def.shape === 'object') {
      for (const [key, child] of Object.entries(def.shape as Record<string, unknown>)) {
        keys.add(key);
        walk(child);
      }
    }
    for (const field of ['innerType', 'element', 'valueType', 'in', 'out']) walk(def[field]);
    if (Array.isArray(def.options)) def.options.forEach(walk);
  };
  walk(schema);
  return keys;
}

/** The known key closest to `key` by edit distance, when it is close enough to be a typo. */
function nearest(key: string, known: ReadonlySet<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(1, Math.min(3, Math.floor(key.length / 3))) ? best : null;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
