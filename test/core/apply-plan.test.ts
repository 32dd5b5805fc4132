import { describe, expect, it } from 'vitest'
import {
  accessChecks,
  changedReleaseValues,
  describeAccess,
  droppedObjects,
  manifestObjects,
  mergeValues,
  namedObjects,
  planFromHistory,
  stuckReleasePods,
} from '../../src/core/apply-plan.js'

describe('changedReleaseValues: what the file alone would lose of the release values', () => {
  it.each([
    [{}, { a: 1 }, []],
    [{ a: 1 }, { a: 1, b: 2 }, []],
    [{ a: 1 }, {}, ['a dropped']],
    [{ a: 1 }, { a: 2 }, ['a changed']],
    [{ a: { b: 1, c: { d: 2 } } }, {}, ['a.b dropped', 'a.c.d dropped']],
    [{ a: { b: 1 } }, { a: 'x' }, ['a changed']],
    [{ a: [1, 2] }, { a: [1] }, ['a changed']],
    // What the patch does to a release's values is an addition, not a loss.
    [{ a: { imagePullSecrets: [] } }, { a: { imagePullSecrets: [{ name: 's' }] } }, []],
    [{ a: [{ name: 'old' }] }, { a: [{ name: 'old' }, { name: 's' }] }, []],
    [{ a: [{ name: 'old' }] }, { a: [{ name: 's' }] }, ['a changed']],
    [{ r: { image_pull_secrets: '' } }, { r: { image_pull_secrets: 's' } }, []],
    [{ r: { image_pull_secrets: 'old' } }, { r: { image_pull_secrets: 's' } }, ['r.image_pull_secrets changed']],
    [{ a: [{ name: 'x' }] }, { a: [{ name: 'x' }] }, []],
    [{ a: {} }, {}, []],
    [{ a: null }, {}, []],
    [{ a: 1 }, { a: null }, ['a dropped']],
    // Namespaces first, whatever the release's key order.
    [
      {
        console: { replicas: 3 },
        supervisor: { application_scheduler: { CONNECTORS: { KubernetesConnector: { namespace: 'p' } } } },
        global: { supervisor_namespace: 's', namespace: 'n' },
      },
      {},
      [
        'global.namespace dropped',
        'global.supervisor_namespace dropped',
        'supervisor.application_scheduler.CONNECTORS.KubernetesConnector.namespace dropped',
        'console.replicas dropped',
      ],
    ],
  ])('%j against %j', (release, file, expected) =>
    expect(changedReleaseValues(release, file).map((c) => `${c.path} ${c.kind}`)).toEqual(expected),
  )
})

describe("mergeValues: helm's -f a -f b", () => {
  it('merges maps key by key, replaces lists and scalars, and a null deletes', () => {
    expect(
      mergeValues(
        { global: { namespace: 'prod', x: 1 }, list: [1, 2], console: { replicas: 3 }, gone: 1 },
        { global: { x: 2 }, list: [3], console: { imagePullSecrets: [{ name: 's' }] }, gone: null },
      ),
    ).toEqual({
      global: { namespace: 'prod', x: 2 },
      list: [3],
      console: { replicas: 3, imagePullSecrets: [{ name: 's' }] },
    })
  })
})

describe('planFromHistory', () => {
  const rev = (revision: number, status: string, chart = `spaceone-1.${revision}`) => ({ revision, status, chart })
  it.each([
    [[rev(1, 'deployed')], 1, 1, undefined],
    [[rev(1, 'superseded'), rev(2, 'deployed'), rev(3, 'failed')], 3, 2, undefined],
    [[rev(2, 'deployed'), rev(3, 'pending-upgrade'), rev(1, 'superseded')], 3, 2, 3],
    [[rev(1, 'pending-install')], 1, undefined, 1],
    [[rev(1, 'failed')], 1, undefined, undefined],
  ])('%j', (history, latest, deployed, pending) => {
    const p = planFromHistory(history)
    expect([p.latest?.revision, p.deployed?.revision, p.pending?.revision]).toEqual([latest, deployed, pending])
  })
})

describe('namedObjects: counts what kubectl -o name printed', () => {
  it.each([
    ['', []],
    ['No resources found\n', []],
    ['pod/a\npod/b\n', ['pod/a', 'pod/b']],
    ['deployment.apps/console\n', ['deployment.apps/console']],
    ['pod "a" deleted\n', []],
  ])('%j', (out, expected) => expect(namedObjects(out)).toEqual(expected))
})

describe('stuckReleasePods', () => {
  const p = (name: string, reason: string | undefined, o: { owner?: [string, string]; init?: boolean } = {}) => ({
    metadata: {
      name,
      ...(o.owner && {
        ownerReferences: [{ kind: o.owner[0], name: o.owner[1], uid: `uid-${o.owner[1]}`, controller: true }],
      }),
    },
    status: {
      [o.init ? 'initContainerStatuses' : 'containerStatuses']: [
        { state: reason ? { waiting: { reason } } : { running: {} } },
      ],
    },
  })
  // ReplicaSets as the Deployment controller names and owns them.
  const rs = (name: string, deployment: string) => ({
    metadata: {
      name,
      uid: `uid-${name}`,
      ownerReferences: [{ kind: 'Deployment', name: deployment, uid: `uid-${deployment}`, controller: true }],
    },
  })
  it('only pods of the release that wait on a pull, followed through their owners', () => {
    const pods = {
      items: [
        p('a', 'ImagePullBackOff', { owner: ['ReplicaSet', 'identity-5d8f'] }),
        p('b', undefined, { owner: ['ReplicaSet', 'identity-5d8f'] }),
        p('c', 'CrashLoopBackOff', { owner: ['ReplicaSet', 'identity-5d8f'] }),
        p('d', 'ErrImagePull', { owner: ['ReplicaSet', 'mongodb-5d8f'] }),
        // Another app whose name starts with a release Deployment's: not the release's.
        p('e', 'ErrImagePull', { owner: ['ReplicaSet', 'identity-proxy-7c9b'] }),
        p('f', 'ImagePullBackOff', { owner: ['StatefulSet', 'redis'] }),
        // A ReplicaSet that is gone: its owner cannot be followed.
        p('g', 'ImagePullBackOff', { owner: ['ReplicaSet', 'mongodb-gone'] }),
        p('h', 'ImagePullBackOff', { owner: ['ReplicaSet', 'identity-5d8f'], init: true }),
        // No owner at all, whatever its labels: nothing recreates it.
        p('i', 'ImagePullBackOff'),
      ],
    }
    const sets = {
      items: [
        rs('identity-5d8f', 'identity'),
        rs('mongodb-5d8f', 'mongodb'),
        rs('identity-proxy-7c9b', 'identity-proxy'),
      ],
    }
    const workloads = [
      { kind: 'Deployment', name: 'identity' },
      { kind: 'Deployment', name: 'mongodb' },
      { kind: 'StatefulSet', name: 'redis' },
    ]
    expect(stuckReleasePods(pods, sets, workloads)).toEqual(['a', 'd', 'f', 'h'])
  })
})

// Issue 24, item 7: the rights the run needs, from the plan.
describe('accessChecks: every (verb, resource, namespace) the steps after the preflight use', () => {
  const manifest = [
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: console\n  namespace: cloudforet',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf',
    'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: console\n  namespace: cloudforet',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n  namespace: ignored',
    'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: console\n  namespace: cloudforet',
  ].join('\n---\n')
  const rendered = manifestObjects(manifest, 'spaceone')
  const line = (a: { verb: string; group: string; resource: string; namespace: string }) => describeAccess(a)

  it('reads the manifest as helm addresses it: unset namespaces are the release namespace, cluster kinds have none', () => {
    expect(rendered).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'console', namespace: 'cloudforet' },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'conf', namespace: 'spaceone' },
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'console', namespace: 'cloudforet' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'reader', namespace: '' },
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', name: 'console', namespace: 'cloudforet' },
    ])
  })

  it('--restart auto, plugins checked, not recreated: the render, the release store, the restart, the plugin list', () => {
    const checks = accessChecks({
      releaseNamespace: 'spaceone',
      rendered,
      dropped: droppedObjects(
        [...rendered, ...manifestObjects('apiVersion: v1\nkind: Service\nmetadata:\n  name: old', 'spaceone')],
        rendered,
      ),
      restart: 'auto',
      restartNamespaces: ['cloudforet'],
      pluginNamespace: 'cloudforet-plugin',
      plugins: true,
      recreatePlugins: false,
    })
    expect(checks.map((c) => `${line(c)} (${c.why})`)).toEqual([
      'get deployments.apps in namespace cloudforet (helm upgrade)',
      'create deployments.apps in namespace cloudforet (helm upgrade)',
      'patch deployments.apps in namespace cloudforet (helm upgrade)',
      'get configmaps in namespace spaceone (helm upgrade)',
      'create configmaps in namespace spaceone (helm upgrade)',
      'patch configmaps in namespace spaceone (helm upgrade)',
      'get ingresses.networking.k8s.io in namespace cloudforet (helm upgrade)',
      'create ingresses.networking.k8s.io in namespace cloudforet (helm upgrade)',
      'patch ingresses.networking.k8s.io in namespace cloudforet (helm upgrade)',
      'get clusterroles.rbac.authorization.k8s.io (cluster-wide) (helm upgrade)',
      'create clusterroles.rbac.authorization.k8s.io (cluster-wide) (helm upgrade)',
      'patch clusterroles.rbac.authorization.k8s.io (cluster-wide) (helm upgrade)',
      'get poddisruptionbudgets.policy in namespace cloudforet (helm upgrade)',
      'create poddisruptionbudgets.policy in namespace cloudforet (helm upgrade)',
      'patch poddisruptionbudgets.policy in namespace cloudforet (helm upgrade)',
      'delete services in namespace spaceone (helm upgrade (it deletes what the chart no longer renders))',
      'get secrets in namespace spaceone (helm upgrade (its release records))',
      'list secrets in namespace spaceone (helm upgrade (its release records))',
      'create secrets in namespace spaceone (helm upgrade (its release records))',
      'update secrets in namespace spaceone (helm upgrade (its release records))',
      'list deployments.apps in namespace cloudforet (the restart in cloudforet)',
      'watch deployments.apps in namespace cloudforet (the restart in cloudforet)',
      'list pods in namespace cloudforet (the restart in cloudforet)',
      'delete pods in namespace cloudforet (the restart in cloudforet)',
      'list replicasets.apps in namespace cloudforet (the restart in cloudforet)',
      'list deployments.apps in namespace cloudforet-plugin (the plugin check)',
      'list services in namespace cloudforet-plugin (the plugin check)',
    ])
  })

  it('--recreate-plugins adds delete of plugin Deployments and Services; --restart none asks nothing of the restart', () => {
    const checks = accessChecks({
      releaseNamespace: 'spaceone',
      rendered: [],
      restart: 'none',
      restartNamespaces: ['cloudforet'],
      pluginNamespace: 'cloudforet-plugin',
      plugins: true,
      recreatePlugins: true,
    }).map(line)
    expect(checks).toEqual([
      'get secrets in namespace spaceone',
      'list secrets in namespace spaceone',
      'create secrets in namespace spaceone',
      'update secrets in namespace spaceone',
      'list deployments.apps in namespace cloudforet-plugin',
      'list services in namespace cloudforet-plugin',
      'delete deployments.apps in namespace cloudforet-plugin',
      'delete services in namespace cloudforet-plugin',
    ])
  })
})
