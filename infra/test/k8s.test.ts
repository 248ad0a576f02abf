import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseAllDocuments } from 'yaml';

interface Container {
  name: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
}

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: {
    replicas?: number;
    minAvailable?: number;
    maxUnavailable?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> }; spec: { containers: Container[] } };
  };
}

const dir = join(__dirname, '..', 'k8s');
const kustomization = parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as {
  resources: string[];
};
const manifests: Manifest[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
    .map((doc) => doc.toJS() as Manifest)
    .filter(Boolean),
);
const deployments = manifests.filter((m) => m.kind === 'Deployment');
const budgets = manifests.filter((m) => m.kind === 'PodDisruptionBudget');
const podSpecs = manifests
  .filter((m) => m.spec?.template)
  .map((m) => ({ name: `${m.kind}/${m.metadata.name}`, containers: m.spec.template!.spec.containers }));

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe('the Kubernetes manifests', () => {
  test('there is a Deployment for each of the five services', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'audit',
      'media',
      'notification',
      'order',
      'sharing',
    ]);
  });

  test.each(podSpecs.map((p) => [p.name, p]))(
    'every container of %s has CPU and memory requests and limits',
    (_name, pod) => {
      for (const container of pod.containers) {
        expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
        expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      }
    },
  );

  test.each(deployments.map((d) => [d.metadata.name, d]))(
    '%s runs at least two replicas and a PodDisruptionBudget keeps one of them through a drain',
    (_name, deployment) => {
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      const labels = deployment.spec.template!.metadata!.labels;
      const budget = budgets.find((b) => selects(b.spec.selector?.matchLabels, labels));
      expect(budget).toBeDefined();
      // A budget that allows no eviction at all would block every node drain.
      const keeps = budget!.spec.minAvailable ?? deployment.spec.replicas! - (budget!.spec.maxUnavailable ?? 0);
      expect(keeps).toBeGreaterThanOrEqual(1);
      expect(keeps).toBeLessThan(deployment.spec.replicas!);
    },
  );

  test.each(deployments.map((d) => [d.metadata.name, d]))(
    '%s: start-up and liveness ask /healthz (is the process alive), readiness asks /readyz (can it serve)',
    (_name, deployment) => {
      const [container] = deployment.spec.template!.spec.containers;
      expect(container!.startupProbe?.httpGet?.path).toBe('/healthz');
      expect(container!.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(container!.readinessProbe?.httpGet?.path).toBe('/readyz');
    },
  );
});
