import { describe, expect, it } from 'vitest'
import { renderedImages } from '../../../src/core/images/rendered-images.js'

const manifests = `---
# Source: spaceone/charts/console/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: console
---
# Source: spaceone/charts/console/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: console
  namespace: cloudforet
spec:
  template:
    spec:
      imagePullSecrets:
        - name: my-credential
        - name: other
      initContainers:
        - name: wait
          image: busybox:1.36
      containers:
        - name: console
          image: cloudforet/console:1.12.16
        - name: sidecar
          image: harbor.example.com/cf/sidecar@sha256:${'a'.repeat(64)}
---
# Source: spaceone/charts/mongodb/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: mongodb
spec:
  template:
    spec:
      serviceAccountName: mongo
      containers:
        - name: mongodb
          image: mongo:6
---
# Source: spaceone/templates/empty.yaml
---
# Source: spaceone/templates/cron.yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cleanup
  namespace: ops
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: c
              image: alpine
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: { name: bare }
    spec:
      containers: [{ name: p, image: "localhost:5000/p:1" }]
`

describe('renderedImages', () => {
  it('lists every container and init container per workload, with namespace and pull secrets', () => {
    expect(renderedImages(manifests, 'spaceone')).toEqual({
      unreadable: [],
      workloads: [
        {
          kind: 'Deployment',
          name: 'console',
          namespace: 'cloudforet',
          imagePullSecrets: ['my-credential', 'other'],
          serviceAccountName: 'default',
          source: 'spaceone/charts/console/templates/deployment.yaml',
          containers: [
            { name: 'wait', image: 'busybox:1.36', init: true },
            { name: 'console', image: 'cloudforet/console:1.12.16', init: false },
            { name: 'sidecar', image: `harbor.example.com/cf/sidecar@sha256:${'a'.repeat(64)}`, init: false },
          ],
        },
        {
          kind: 'StatefulSet',
          name: 'mongodb',
          namespace: 'spaceone',
          imagePullSecrets: [],
          serviceAccountName: 'mongo',
          source: 'spaceone/charts/mongodb/templates/statefulset.yaml',
          containers: [{ name: 'mongodb', image: 'mongo:6', init: false }],
        },
        {
          kind: 'CronJob',
          name: 'cleanup',
          namespace: 'ops',
          imagePullSecrets: [],
          serviceAccountName: 'default',
          source: 'spaceone/templates/cron.yaml',
          containers: [{ name: 'c', image: 'alpine', init: false }],
        },
        {
          kind: 'Pod',
          name: 'bare',
          namespace: 'spaceone',
          imagePullSecrets: [],
          serviceAccountName: 'default',
          containers: [{ name: 'p', image: 'localhost:5000/p:1', init: false }],
        },
      ],
    })
  })

  it('reports a document it cannot read instead of passing over its images', () => {
    const r = renderedImages('---\n# Source: x.yaml\nkind: Pod\nspec: [\n', 'ns')
    expect(r.workloads).toEqual([])
    expect(r.unreadable).toHaveLength(1)
    expect(r.unreadable[0]!.source).toBe('x.yaml')
  })
})
