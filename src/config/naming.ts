// How messages name a param or an option on one surface: Juju says `param source="x"` and `config option
// snapshot-retention="abc"`; the CLI says `--source x`. Validation takes one and never asks where it runs.
export interface Naming {
  // The param or option alone, as the operator writes it: `s3-allow-http` in Juju, `--s3-allow-http` on the CLI.
  name(kind: 'param' | 'option', name: string): string;
  // It with the value it got, for `invalid <subject>: why`; secret options show `(hidden)` in place of the value.
  subject(kind: 'param' | 'option', name: string, value: unknown): string;
  // How to give it a value, in a hint: `source=<path or name>` in Juju, `--source <path or name>` on the CLI.
  usage(kind: 'param' | 'option', name: string, placeholder: string): string;
  // An action as the operator runs it: `delete-snapshot` in Juju, `delete` on the CLI.
  action(name: string): string;
  // Whether the option can be set on this surface at all (Juju-only ones, such as s3-credentials-secret, cannot on the CLI).
  offers(kind: 'param' | 'option', name: string): boolean;
}

// Options whose values are never repeated in a message.
export const SECRET_OPTIONS: ReadonlySet<string> = new Set(['s3-access-key', 's3-secret-key']);

const shown = (value: unknown): string => JSON.stringify(value) ?? String(value);

// Juju's words: `param sha256="xyz"`, `config option snapshot-retention=0`.
export const jujuNaming: Naming = {
  name: (_kind, name) => name,
  subject: (kind, name, value) => `${kind === 'param' ? 'param' : 'config option'} ${name}=${kind === 'option' && SECRET_OPTIONS.has(name) ? '(hidden)' : shown(value)}`,
  usage: (_kind, name, placeholder) => `${name}=${placeholder}`,
  action: (name) => name,
  offers: () => true,
};
