/** Table and column names must look like this; anything else in config is refused. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function assertIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`${what} "${name}" is not a valid SQL identifier (letters, digits, _; max 64)`);
  return name;
}
