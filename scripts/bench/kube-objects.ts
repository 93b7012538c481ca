// Kubernetes-like objects for the benchmark: pods, configmaps, secrets, events and leases as the API server
// stores them (JSON under /registry/...), with the repetition real clusters have (managedFields, labels, images)
// and the incompressible parts they have too (secret data, uids, resource versions). Deterministic per index.
import { createHash } from 'node:crypto';

// Hex of a stable hash of the inputs, for uids and secret payloads that do not compress.
const hex = (...parts: (string | number)[]): string => createHash('sha256').update(parts.join('/')).digest('hex');
const uid = (i: number): string => { const h = hex('uid', i); return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`; };
const NAMESPACES = ['default', 'kube-system', 'monitoring', 'ingress-nginx', 'payments', 'checkout', 'search', 'batch-jobs'];
const IMAGES = ['registry.k8s.io/pause:3.9', 'nginx:1.27.2', 'quay.io/prometheus/node-exporter:v1.8.2', 'ghcr.io/acme/checkout:2.14.1', 'docker.io/library/redis:7.4'];

const managedFields = (i: number, manager: string): object[] => [
  { manager, operation: 'Update', apiVersion: 'v1', time: new Date(1_760_000_000_000 + i * 1000).toISOString(), fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} }, 'f:ownerReferences': { '.': {}, [`k:{"uid":"${uid(i + 1)}"}`]: {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {}, 'f:resources': {}, 'f:terminationMessagePath': {} } } } } },
  { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: new Date(1_760_000_000_000 + i * 1000 + 5000).toISOString(), fieldsType: 'FieldsV1', subresource: 'status',
    fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:lastProbeTime': {}, 'f:status': {}, 'f:type': {} } }, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {} } } },
];

const meta = (i: number, name: string, ns: string, extra: object = {}): object => ({
  name, namespace: ns, uid: uid(i), resourceVersion: String(1000 + i * 7), creationTimestamp: new Date(1_760_000_000_000 + i * 1000).toISOString(),
  labels: { app: `app-${i % 97}`, 'pod-template-hash': hex('tpl', i % 97).slice(0, 10), tier: i % 3 === 0 ? 'frontend' : 'backend' },
  annotations: {
    'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'v1', kind: 'X', metadata: { name, namespace: ns, labels: { app: `app-${i % 97}` } } }),
    // Checksums and tokens controllers stamp on objects: unique per object, incompressible.
    'checksum/config': hex('cfg', i), 'checksum/secret': hex('sec', i),
    'deployment.kubernetes.io/revision-token': Buffer.from(Array.from({ length: 14 }, (_, k) => hex('tok', i, k)).join(''), 'hex').toString('base64'),
  },
  ...extra,
});

const pod = (i: number, ns: string): object => {
  const name = `app-${i % 97}-${hex('pod', i).slice(0, 10)}-${hex('p2', i).slice(0, 5)}`;
  return {
    kind: 'Pod', apiVersion: 'v1',
    metadata: meta(i, name, ns, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `app-${i % 97}-${hex('tpl', i % 97).slice(0, 10)}`, uid: uid(i + 1), controller: true, blockOwnerDeletion: true }], managedFields: managedFields(i, 'kube-controller-manager') }),
    spec: {
      containers: [{ name: 'app', image: IMAGES[i % IMAGES.length], ports: [{ containerPort: 8080, protocol: 'TCP' }], env: Array.from({ length: 6 }, (_, k) => ({ name: `SETTING_${k}`, value: `value-${(i + k) % 13}` })),
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } }, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent',
        volumeMounts: [{ name: `kube-api-access-${hex('vol', i).slice(0, 5)}`, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }],
      restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', serviceAccountName: 'default', nodeName: `worker-${i % 24}`, schedulerName: 'default-scheduler',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
    status: { phase: 'Running', hostIP: `10.0.${i % 24}.${10 + (i % 200)}`, podIP: `10.1.${(i >> 8) % 256}.${i % 256}`, startTime: new Date(1_760_000_000_000 + i * 1000).toISOString(),
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: new Date(1_760_000_000_000 + i * 1000).toISOString() })),
      containerStatuses: [{ name: 'app', ready: true, restartCount: i % 4, image: IMAGES[i % IMAGES.length], imageID: `sha256:${hex('img', i % IMAGES.length)}`, containerID: `containerd://${hex('ctr', i)}`, started: true }] },
  };
};

const configMap = (i: number, ns: string): object => ({
  kind: 'ConfigMap', apiVersion: 'v1', metadata: meta(i, `config-${i}`, ns),
  data: Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`setting-${k}.yaml`, `# generated\nreplicas: ${(i + k) % 9}\nfeature: ${k % 2 === 0 ? 'on' : 'off'}\nendpoint: https://svc-${(i + k) % 50}.${ns}.svc.cluster.local:8443/api/v1\ntimeoutSeconds: ${(k + 1) * 15}\n`])),
});

const secret = (i: number, ns: string): object => ({
  kind: 'Secret', apiVersion: 'v1', type: 'kubernetes.io/tls', metadata: meta(i, `tls-${i}`, ns),
  // Real secrets are random: they do not compress.
  data: { 'tls.crt': Buffer.from(Array.from({ length: 40 }, (_, k) => hex('crt', i, k)).join(''), 'hex').toString('base64'), 'tls.key': Buffer.from(Array.from({ length: 16 }, (_, k) => hex('key', i, k)).join(''), 'hex').toString('base64') },
});

const event = (i: number, ns: string): object => ({
  kind: 'Event', apiVersion: 'v1', metadata: meta(i, `app-${i % 97}.${hex('ev', i).slice(0, 16)}`, ns),
  involvedObject: { kind: 'Pod', namespace: ns, name: `app-${i % 97}`, uid: uid(i + 3), apiVersion: 'v1', resourceVersion: String(i * 3), fieldPath: 'spec.containers{app}' },
  reason: ['Pulled', 'Created', 'Started', 'Scheduled', 'BackOff'][i % 5], message: `Successfully pulled image "${IMAGES[i % IMAGES.length]}" in ${(i % 900) / 100}s (${(i % 900) / 100}s including waiting)`,
  source: { component: 'kubelet', host: `worker-${i % 24}` }, firstTimestamp: new Date(1_760_000_000_000 + i * 1000).toISOString(), lastTimestamp: new Date(1_760_000_000_000 + i * 1100).toISOString(), count: 1 + (i % 7), type: 'Normal',
});

// The i-th object's key and value: 40% pods, 20% configmaps, 15% secrets, 25% events.
export const kubeObject = (i: number): { key: string; value: string } => {
  const ns = NAMESPACES[i % NAMESPACES.length] ?? 'default';
  const pick = i % 20;
  if (pick < 8) { const p = pod(i, ns) as { metadata: { name: string } }; return { key: `/registry/pods/${ns}/${p.metadata.name}`, value: JSON.stringify(p) }; }
  if (pick < 12) return { key: `/registry/configmaps/${ns}/config-${i}`, value: JSON.stringify(configMap(i, ns)) };
  if (pick < 15) return { key: `/registry/secrets/${ns}/tls-${i}`, value: JSON.stringify(secret(i, ns)) };
  const e = event(i, ns) as { metadata: { name: string } };
  return { key: `/registry/events/${ns}/${e.metadata.name}`, value: JSON.stringify(e) };
};
