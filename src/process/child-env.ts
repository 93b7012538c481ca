// The environment execa gives a child: the agent's own plus env, or, with dropEnv, the agent's own less the
// variables whose names start with one of those prefixes, plus env (an undefined value removes a variable).
export const childEnv = (
  env: Record<string, string | undefined> | undefined,
  dropEnv: readonly string[] | undefined,
): { env: Record<string, string | undefined> | undefined; extendEnv: boolean } => {
  if (dropEnv === undefined || dropEnv.length === 0) return { env, extendEnv: true };
  const kept = Object.entries(process.env).filter(([name]) => !dropEnv.some((prefix) => name.startsWith(prefix)));
  return { env: { ...Object.fromEntries(kept), ...env }, extendEnv: false };
};
