import { scopeAlertRules, type AlertRuleGroups } from './alert-rules.ts';
import type { Topology } from './topology.ts';

// Relation data one unit writes: its application's databag (leader only) and its own.
export interface RelationData {
  app: Record<string, string>;
  unit: Record<string, string>;
}

// What the relations publish: the scheduler's metrics port, the unit's address, the shipped rules and dashboards.
export interface ObservabilityInputs {
  topology: Topology;
  address: string;
  // The scheduler's metrics port; undefined when metrics-address is empty (then no scrape job is published).
  port: number | undefined;
  rules: AlertRuleGroups;
  // Each dashboard JSON compressed with LZMA (xz) and base64 encoded, as the COS libraries carry them.
  dashboards: string[];
}

// metrics-endpoint (interface prometheus_scrape): the scrape job ("*" stands for each unit's address), the scrape
// metadata and the alert rules in the application databag; the unit's address and name in its own.
export const prometheusScrapeData = (inputs: ObservabilityInputs): RelationData => {
  const { topology } = inputs;
  return {
    app: {
      scrape_metadata: JSON.stringify({ model: topology.model, model_uuid: topology.modelUuid, application: topology.application, unit: topology.unit, charm_name: topology.charmName }),
      scrape_jobs: JSON.stringify(inputs.port === undefined ? [] : [{ job_name: 'etcd_agent', metrics_path: '/metrics', static_configs: [{ targets: [`*:${inputs.port}`] }] }]),
      alert_rules: JSON.stringify(scopeAlertRules(inputs.rules, topology)),
    },
    unit: { prometheus_scrape_unit_address: inputs.address, prometheus_scrape_unit_name: topology.unit },
  };
};

// cos-agent (interface cos_agent, a subordinate relation, so unit data only): one `config` key holding the scrape
// job (on localhost, where the agent runs), the alert rules and the dashboards, as COSAgentProvider writes it.
export const cosAgentData = (inputs: ObservabilityInputs): RelationData => ({
  app: {},
  unit: {
    config: JSON.stringify({
      metrics_alert_rules: scopeAlertRules(inputs.rules, inputs.topology),
      log_alert_rules: {},
      dashboards: inputs.dashboards,
      metrics_scrape_jobs: inputs.port === undefined ? [] : [{ job_name: `${inputs.topology.application}_0_etcd_agent`, metrics_path: '/metrics', static_configs: [{ targets: [`localhost:${inputs.port}`] }] }],
      log_slots: [],
    }),
  },
});
