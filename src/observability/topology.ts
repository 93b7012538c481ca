// Where a unit sits in Juju, as COS labels everything it collects (juju_model, juju_model_uuid, juju_application,
// juju_unit, juju_charm).
export interface Topology {
  model: string;
  modelUuid: string;
  application: string;
  unit: string;
  charmName: string;
}

// The labels an alert rule of this application carries, as the COS libraries add them.
export const topologyLabels = (topology: Topology): Record<string, string> => ({
  juju_model: topology.model,
  juju_model_uuid: topology.modelUuid,
  juju_application: topology.application,
  juju_charm: topology.charmName,
});

// The prefix COS gives this application's alert groups: model, short model uuid, application.
export const topologyIdentifier = (topology: Topology): string => `${topology.model}_${topology.modelUuid.slice(0, 8)}_${topology.application}`;

// The metric selectors the shipped rules use; the agent's own names and `up` (the scrape's health).
const SELECTOR = /\b(etcd_agent_[a-z_]+|up)\b(\{([^}]*)\})?(?!\s*\()/g;

// Scopes every metric selector of an expression to this application (model, uuid, application), as the COS
// libraries' label injection does, so `up == 0` of another application never fires this charm's alert. Only for the
// rules this charm ships: it knows their metric names, it is not a PromQL parser.
export const scopeExpression = (expr: string, topology: Topology): string => {
  const matchers = `juju_model=${JSON.stringify(topology.model)},juju_model_uuid=${JSON.stringify(topology.modelUuid)},juju_application=${JSON.stringify(topology.application)}`;
  return expr.replace(SELECTOR, (_whole, name: string, _braces: string | undefined, inner: string | undefined) => `${name}{${inner ? `${inner},` : ''}${matchers}}`);
};
