// Pull Secrets as tests seed them into the loopback API server: a `.dockerconfigjson` of
// `auths` entries, base64 in `data` as the API returns it.

const b64 = (s: string) => Buffer.from(s).toString('base64')

/** An entry as `docker login` writes it: only `auth`, base64 of user:password. */
export const authEntry = (user: string, password: string) => ({ auth: b64(`${user}:${password}`) })

/** An entry as `kubectl create secret docker-registry` writes it: the fields and `auth`. */
export const kubectlEntry = (user: string, password: string) => ({
  username: user,
  password,
  auth: b64(`${user}:${password}`),
})

/** A Secret (my-credential, kubernetes.io/dockerconfigjson unless told) holding these entries. */
export const pullSecret = (
  namespace: string,
  auths: Record<string, object>,
  o: { name?: string; type?: string } = {},
) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: o.name ?? 'my-credential', namespace },
  type: o.type ?? 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
})
