// What Juju told this process through its environment, parsed once and frozen.
export interface JujuContext {
  readonly dispatchPath: string;
  readonly kind: 'action' | 'hook';
  readonly name: string;
  readonly unitName: string;
  readonly appName: string;
  readonly charmDir: string;
  readonly modelName: string;
  readonly modelUuid: string;
  readonly actionUuid: string | undefined;
  readonly relation: string | undefined;
  readonly relationId: string | undefined;
  readonly remoteUnit: string | undefined;
  readonly version: string | undefined;
}

// Whether this process was started by Juju (through dispatch or a hooks/ shim).
export const isJuju = (env: NodeJS.ProcessEnv): boolean => Boolean(env.JUJU_DISPATCH_PATH ?? env.JUJU_UNIT_NAME);

// Reads the Juju environment; the dispatch path names the hook or action to run.
export const parseJujuContext = (env: NodeJS.ProcessEnv, argv0 = ''): JujuContext => {
  const dispatchPath = env.JUJU_DISPATCH_PATH ?? fallbackDispatchPath(env, argv0);
  const [kind, name = ''] = dispatchPath.split('/', 2) as [string, string | undefined];
  const unitName = env.JUJU_UNIT_NAME ?? '';
  return Object.freeze({
    dispatchPath,
    kind: kind === 'actions' ? 'action' : 'hook',
    name,
    unitName,
    appName: unitName.split('/')[0] ?? '',
    charmDir: env.JUJU_CHARM_DIR ?? env.CHARM_DIR ?? process.cwd(),
    modelName: env.JUJU_MODEL_NAME ?? '',
    modelUuid: env.JUJU_MODEL_UUID ?? '',
    actionUuid: env.JUJU_ACTION_UUID,
    relation: env.JUJU_RELATION,
    relationId: env.JUJU_RELATION_ID,
    remoteUnit: env.JUJU_REMOTE_UNIT,
    version: env.JUJU_VERSION,
  } satisfies JujuContext);
};

// Older Juju without dispatch: the action name or hook name tells what to run.
const fallbackDispatchPath = (env: NodeJS.ProcessEnv, argv0: string): string => {
  if (env.JUJU_ACTION_NAME) return `actions/${env.JUJU_ACTION_NAME}`;
  if (env.JUJU_HOOK_NAME) return `hooks/${env.JUJU_HOOK_NAME}`;
  const base = argv0.split('/').at(-1) ?? '';
  return `hooks/${base}`;
};
