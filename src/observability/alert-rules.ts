import { scopeExpression, topologyIdentifier, topologyLabels, type Topology } from './topology.ts';

// One alert rule as Prometheus reads it.
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

// A rule file's contents: groups of rules.
export interface AlertRuleGroups {
  groups: { name: string; rules: AlertRule[] }[];
}

// The shipped rules as the prometheus_scrape and cos_agent libraries publish them: each group named after the
// application's topology, each rule labelled with it and its expression scoped to it, `for` always present.
export const scopeAlertRules = (rules: AlertRuleGroups, topology: Topology): AlertRuleGroups => ({
  groups: rules.groups.map((group) => ({
    name: `${topologyIdentifier(topology)}_${group.name}_alerts`,
    rules: group.rules.map((rule) => ({
      alert: rule.alert,
      expr: scopeExpression(rule.expr, topology),
      for: rule.for ?? '0m',
      labels: { ...rule.labels, ...topologyLabels(topology) },
      annotations: { ...rule.annotations },
    })),
  })),
});
