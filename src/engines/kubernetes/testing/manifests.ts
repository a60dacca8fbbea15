// The shipped manifests (deploy/kubernetes/), as the objects `kubectl apply -k` applies: for the tests
// that run the agent under exactly the ServiceAccount and Roles users get.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export const DEPLOY_DIR = fileURLToPath(new URL('../../../../deploy/kubernetes/', import.meta.url));

/** The objects `kubectl apply -k <dir>` applies, in kustomization.yaml's order. */
export function shippedObjects(dir = DEPLOY_DIR): KubernetesObject[] {
  const kustomization = parseYaml(readFileSync(`${dir}kustomization.yaml`, 'utf8')) as { resources: string[] };
  return kustomization.resources
    .flatMap((file) => parseAllDocuments(readFileSync(dir + file, 'utf8')).map((d) => d.toJS() as KubernetesObject))
    .filter((o) => o?.kind);
}
