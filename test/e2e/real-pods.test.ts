// Real pods end to end, as a user meets them: `k3ts up` starts three nodes, each with its own
// containerd in a network namespace of its own; the seed-002 image is imported with
// `k3ts image import`; its Deployment runs real processes that answer HTTP on their pod IPs;
// failures look as they do on Kubernetes; and `k3ts down` leaves nothing on the machine. The test
// registry listens on the machine's address on the nodes' bridge, where every node reaches it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, kubectls, repoRoot } from './harness.js';
import { eventually, exec, k3tsBin, ok, sleep } from './cli-exec.js';
import { containerdSkipReason } from '../../src/runtime/containerd/test-containerd.js';
import { containerdPidsFor, mountsUnder } from '../../src/runtime/containerd/host-cleanup.js';
import { containerdPaths } from '../../src/runtime/containerd/config.js';
import { cgroupParentFor } from '../../src/runtime/containerd/managed.js';
import { LocalRegistry } from '../support/images/registry.js';
import { chooseNodeCidr, hostRouteDestinations, type UpNetwork } from '../../src/local-cluster/node-network.js';
import { nthAddress, parseCidr } from '../../src/network/ipv4.js';
import { ensureTestImages, type TestImages } from '../support/images/test-images.js';

const kubectl = kubectls[0]!.bin;
const skip = containerdSkipReason();

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.once('error', reject);
  });
}

/** GET from inside a node's network namespace, where its pods' addresses are routed. */
function getFromNode(net: UpNetwork, node: string, url: string): string {
  const role = node === 'k3ts-server' ? 'server' : node.replace(/^k3ts-agent-/, 'agent ');
  const ns = net.nodes.find((n) => n.role === role)?.netns;
  if (!ns) throw new Error(`no namespace for node ${node}`);
  // Node's fetch: busybox's static wget crashes on this machine, and curl is not on a fresh one.
  const script = 'fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then((r) => r.text()).then((t) => process.stdout.write(t))';
  return execFileSync('nsenter', [`--net=/var/run/netns/${ns}`, process.execPath, '-e', script, url], { encoding: 'utf8', timeout: 10_000 });
}

/** Everything of ours a node could leave on the machine, by the names only this cluster uses. */
function leftovers(dataDir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(dataDir)) found.push(`process ${pid}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  found.push(...mountsUnder(dataDir).map((m) => `mount ${m}`));
  return found;
}

if (skip) {
  console.log(`real pods e2e skipped: ${skip}`);
  test('real pods', { skip }, () => undefined);
} else {
  describe('real pods on a k3ts up cluster', { timeout: 900_000 }, () => {
    let dir: string;
    let dataDir: string;
    let env: NodeJS.ProcessEnv;
    let bridgesBefore: string[];
    let vethsBefore: number;
    let registry: LocalRegistry;
    let images: TestImages;
    let network: UpNetwork;
    let gateway: string;
    /** The login test's registry, and registries.yaml's mirrors saying both registries are plain HTTP. */
    let privateHost: string;
    let plainHttp: string;
    const podGet = (node: string, ip: string) => getFromNode(network, node, `http://${ip}/`);
    const kc = (args: string[], timeoutMs?: number) => exec(kubectl, args, env, timeoutMs);
    const jsonpath = async (args: string[], path: string) => ok(await kc([...args, '-o', `jsonpath=${path}`]), `kubectl ${args.join(' ')}`);
    const bridges = () => readdirSync('/sys/class/net').filter((n) => n.startsWith('k3ts') || n.startsWith('k3up'));

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'k3ts-real-'));
      dataDir = join(dir, 'cluster');
      env = { KUBECONFIG: join(dataDir, 'kubeconfig.yaml'), HOME: dir, KUBECACHEDIR: join(dir, 'kube-cache') };
      bridgesBefore = bridges();
      vethsBefore = readdirSync('/sys/class/net').filter((n) => n.startsWith('veth')).length;
      const tar = join(dir, 'seed002.tar');
      ok(await exec(process.execPath, [join(repoRoot, 'examples', 'seed002-app', 'build.mjs'), '--out', join(dir, 'seed002'), '--tar', tar]), 'build the seed002 image');
      // The registry's address is the machine's on the nodes' bridge: known before `up`, so every
      // node's registries.yaml can say it is plain HTTP.
      const nodeCidr = chooseNodeCidr(await hostRouteDestinations(), dataDir);
      gateway = nthAddress(parseCidr(nodeCidr), 1);
      const registryHost = `${gateway}:${await freePort()}`;
      privateHost = `${gateway}:${await freePort()}`;
      plainHttp = [registryHost, privateHost].map((h) => `  "${h}":\n    endpoint:\n      - http://${h}\n`).join('');
      writeFileSync(join(dir, 'registries.yaml'), `mirrors:\n${plainHttp}`);
      const port = await freePort();
      const up = await exec(k3tsBin, ['up', '--agents', '2', '--data-dir', dataDir, '--port', String(port), '--runtime', 'containerd', '--node-cidr', nodeCidr, '--private-registry', join(dir, 'registries.yaml')], {}, 180_000);
      ok(up, 'k3ts up');
      assert.match(up.stdout, /k3ts is up: 3 node\(s\) Ready/);
      network = (JSON.parse(readFileSync(join(dataDir, 'up.json'), 'utf8')) as { network: UpNetwork }).network;
      registry = await LocalRegistry.start({ address: gateway, port: Number(registryHost.split(':')[1]) });
      images = await ensureTestImages(registry);
      const imported = ok(await exec(k3tsBin, ['image', 'import', tar, '--data-dir', dataDir]), 'k3ts image import');
      assert.equal(imported.match(/imported k3ts\.local\/seed002:1/g)?.length, 3, imported);
    });

    after(async () => {
      if (dataDir) {
        const down = await exec(k3tsBin, ['down', '--data-dir', dataDir], {}, 120_000);
        assert.equal(down.code, 0, down.stderr);
      }
      await registry?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('every node runs containerd: the node reports it, and k3ts image ls lists the imported image', async () => {
      const runtimes = await jsonpath(['get', 'nodes'], '{.items[*].status.nodeInfo.containerRuntimeVersion}');
      assert.match(runtimes, /^containerd:\/\/\S+ containerd:\/\/\S+ containerd:\/\/\S+$/);
      const ls = ok(await exec(k3tsBin, ['image', 'ls', '--data-dir', dataDir]), 'k3ts image ls');
      assert.equal(ls.match(/\tk3ts\.local\/seed002:1\t/g)?.length, 3, ls);
      // The kubelet reports them in the Node's status.images at its next heartbeat.
      await eventually('status.images on every node', 30_000, async () => {
        const names = await jsonpath(['get', 'nodes'], '{range .items[*]}{.status.images[*].names}{"\\n"}{end}');
        return names.trim().split('\n').filter((l) => l.includes('k3ts.local/seed002:1')).length === 3 ? true : undefined;
      });
    });

    test('an archive copied into a running node\'s <data-dir>/agent/images is imported without a restart', async () => {
      const tar = join(dir, 'copied.tar');
      ok(await exec(process.execPath, [join(repoRoot, 'examples', 'seed002-app', 'build.mjs'), '--out', join(dir, 'copied'), '--name', 'k3ts.local/copied:2', '--tar', tar]), 'build');
      copyFileSync(tar, join(dataDir, 'agent-2', 'agent', 'images', 'copied.tar'));
      await eventually('the copied image on agent 2', 30_000, async () => {
        const ls = ok(await exec(k3tsBin, ['image', 'ls', '--data-dir', join(dataDir, 'agent-2')]), 'image ls');
        // Same content as seed002:1, so one image with both names.
        return /\t(\S+,)?k3ts\.local\/copied:2[,\t]/.test(ls) ? true : undefined;
      });
    });

    test('seed 002: three replicas, one per node, each a real process answering with its node name', async () => {
      const manifest = readFileSync(join(repoRoot, 'examples', 'seed002-test.yaml'), 'utf8').replace('replicas: 2', 'replicas: 3');
      writeFileSync(join(dir, 'seed002.yaml'), manifest);
      ok(await kc(['apply', '-f', join(dir, 'seed002.yaml')]), 'apply');
      ok(await kc(['rollout', 'status', 'deployment/test', '--timeout=120s'], 150_000), 'rollout status');
      const rows = (await jsonpath(['get', 'pods', '-l', 'app=test'], '{range .items[*]}{.spec.nodeName} {.status.podIP}{"\\n"}{end}')).trim().split('\n');
      const byNode = new Map(rows.map((r) => r.split(' ') as [string, string]));
      assert.deepEqual([...byNode.keys()].sort(), ['k3ts-agent-1', 'k3ts-agent-2', 'k3ts-server']);
      for (const [node, ip] of byNode) {
        assert.match(ip, /^10\.42\.\d+\.\d+$/);
        assert.equal(podGet(node, ip), `Hello from ${node}, visitor #1\n`);
        assert.equal(podGet(node, ip), `Hello from ${node}, visitor #2\n`, 'the count lives in the container');
      }
      const logs = ok(await kc(['logs', '-l', 'app=test', '--prefix']), 'logs');
      assert.equal(logs.match(/url:\//g)?.length, 6, logs);
      const pid = await jsonpath(['get', 'pods', '-l', 'app=test'], '{.items[0].status.containerStatuses[0].containerID}');
      assert.match(pid, /^containerd:\/\/[0-9a-f]{64}$/);
    });

    test('every container sees its ServiceAccount token, the cluster CA and its namespace, read-only, and the token is valid', async () => {
      const pod = await jsonpath(['get', 'pods', '-l', 'app=test', '--field-selector', 'spec.nodeName=k3ts-agent-1'], '{.items[0].metadata.name}');
      // One exec for all of it: this file runs close to its time budget.
      const d = '/var/run/secrets/kubernetes.io/serviceaccount';
      const seen = ok(await kc(['exec', pod, '--', 'sh', '-c', `cat ${d}/namespace; echo; echo ---; cat ${d}/ca.crt; echo ---; cat ${d}/token; echo; echo ---; touch ${d}/x 2>/dev/null; echo $?`]), 'read the token directory');
      const [namespace, ca, token, touched] = seen.split('\n---\n');
      assert.equal(namespace, 'default');
      assert.equal(ca, ok(await kc(['get', 'configmap', 'kube-root-ca.crt', '-o', 'jsonpath={.data.ca\\.crt}']), 'kube-root-ca.crt').replace(/\n$/, ''));
      assert.notEqual(touched.trim(), '0', 'the token directory is read-only');
      const reviewFile = join(dir, 'token-review.json');
      writeFileSync(reviewFile, JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }));
      const status = JSON.parse(ok(await kc(['create', '--raw', '/apis/authentication.k8s.io/v1/tokenreviews', '-f', reviewFile]), 'token review')).status;
      assert.equal(status.authenticated, true);
      assert.equal(status.user.username, 'system:serviceaccount:default:default');
    });

    test('kubectl exec, cp and port-forward reach a pod on another node through its tunnel, with kubectl 1.32 and 1.35', async () => {
      const pod = await jsonpath(['get', 'pods', '-l', 'app=test', '--field-selector', 'spec.nodeName=k3ts-agent-2'], '{.items[0].metadata.name}');
      for (const k of kubectls) {
        const run = (args: string[]) => exec(k.bin, args, { ...env, KUBECACHEDIR: join(dir, 'cache', k.name.replace(/\W+/g, '_')) });
        const execd = await run(['exec', pod, '--', 'sh', '-c', 'echo "$NODE_NAME"; exit 3']);
        assert.equal(execd.code, 3, `${k.name}: the command's exit code: ${execd.stderr}`);
        assert.equal(execd.stdout, 'k3ts-agent-2\n', k.name);
        const copied = join(dir, `index-${k.name.replace(/\W+/g, '_')}.cgi`);
        ok(await run(['cp', `${pod}:/var/www/cgi-bin/index.cgi`, copied]), `${k.name} cp`);
        assert.equal(readFileSync(copied, 'utf8'), readFileSync(join(repoRoot, 'examples', 'seed002-app', 'www', 'cgi-bin', 'index.cgi'), 'utf8'));
        const forward = spawn(k.bin, ['port-forward', `pod/${pod}`, ':80'], { env: { ...process.env, ...env, KUBECACHEDIR: join(dir, 'cache', k.name.replace(/\W+/g, '_')) } });
        try {
          let out = '';
          forward.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
          forward.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
          const port = await eventually(`${k.name} port-forward to listen`, 20_000, async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 80/.exec(out)?.[1]);
          assert.match(await httpGet(`http://127.0.0.1:${port}/`), /^Hello from k3ts-agent-2, visitor #\d+\n$/, k.name);
        } finally {
          forward.kill('SIGTERM');
        }
      }
    });

    test('kubectl debug: an ephemeral container joins a running pod and sees its target\'s processes', async () => {
      const pod = await jsonpath(['get', 'pods', '-l', 'app=test', '--field-selector', 'spec.nodeName=k3ts-agent-1'], '{.items[0].metadata.name}');
      ok(await kc(['debug', pod, '--image=k3ts.local/seed002:1', '--target=fastapi', '--container=dbg', '--', 'ps']), 'kubectl debug');
      const state = await eventually('the ephemeral container to finish', 60_000, async () => {
        const s = await jsonpath(['get', 'pod', pod], '{.status.ephemeralContainerStatuses[0].name} {.status.ephemeralContainerStatuses[0].state.terminated.exitCode}');
        return s === 'dbg 0' ? s : undefined;
      });
      assert.equal(state, 'dbg 0');
      const ps = ok(await kc(['logs', pod, '-c', 'dbg']), 'logs of the ephemeral container');
      assert.match(ps, /httpd -f -vv -p 80/, 'the target container\'s process is visible');
      // The pod itself is undisturbed: still Running and Ready, its container not restarted.
      assert.equal(await jsonpath(['get', 'pod', pod], '{.status.phase} {.status.containerStatuses[0].ready} {.status.containerStatuses[0].restartCount}'), 'Running true 0');
      // -i attaches kubectl's stdin to the new container (kubectl 1.35 here; 1.32 above).
      const interactive = spawn(kubectls[1]!.bin, ['debug', pod, '-i', '--image=k3ts.local/seed002:1', '--container=dbg2', '--', 'sh', '-c', 'read x; echo "got $x"'], { env: { ...process.env, ...env, KUBECACHEDIR: join(dir, 'cache', 'debug') } });
      interactive.stdin.end('hello\n');
      const code = await new Promise((r) => interactive.once('exit', r));
      assert.equal(code, 0);
      await eventually('what was typed to reach the ephemeral container', 30_000, async () => ((await kc(['logs', pod, '-c', 'dbg2'])).stdout === 'got hello\n' ? true : undefined));
    });

    test('kubectl exec into a container that ends mid-session returns at once instead of hanging', async () => {
      ok(await kc(['run', 'victim', '--image=k3ts.local/seed002:1', '--restart=Never', '--command', '--', 'sh', '-c', 'trap "exit 3" USR1; while :; do sleep 1; done']), 'run');
      await eventually('victim Running', 60_000, async () => ((await jsonpath(['get', 'pod', 'victim'], '{.status.phase}')) === 'Running' ? true : undefined));
      const t0 = Date.now();
      // The container's PID 1 ends on USR1 (a PID 1 gets only the signals it handles), taking the
      // exec'd shell with it.
      const r = await kc(['exec', 'victim', '--', 'sh', '-c', 'kill -USR1 1; sleep 60'], 90_000);
      assert.ok(Date.now() - t0 < 20_000, `exec returned after ${Date.now() - t0} ms`);
      assert.notEqual(r.code, 0);
      await eventually('victim Failed', 30_000, async () => ((await jsonpath(['get', 'pod', 'victim'], '{.status.phase}')) === 'Failed' ? true : undefined));
      ok(await kc(['delete', 'pod', 'victim', '--wait=true']), 'delete');
    });

    test('a Job runs to completion and its output is its log', async () => {
      const job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'count' },
        spec: {
          backoffLimit: 0,
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'k3ts.local/seed002:1', command: ['sh', '-c', 'for i in 1 2 3; do echo line $i; done; hostname'] }] } },
        },
      };
      writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
      ok(await kc(['apply', '-f', join(dir, 'job.json')]), 'apply job');
      ok(await kc(['wait', '--for=condition=complete', 'job/count', '--timeout=90s'], 120_000), 'wait for the job');
      const out = ok(await kc(['logs', 'job/count']), 'logs');
      assert.match(out, /^line 1\nline 2\nline 3\ncount-\w+\n$/);
      const exit = await jsonpath(['get', 'pods', '-l', 'job-name=count'], '{.items[0].status.containerStatuses[0].state.terminated.reason} {.items[0].status.containerStatuses[0].state.terminated.exitCode}');
      assert.equal(exit, 'Completed 0');
    });

    test('a StatefulSet on a local-path volume: a file written in the container survives the pod\'s deletion', async () => {
      const sts = {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: {
          serviceName: 'db',
          replicas: 1,
          selector: { matchLabels: { app: 'db' } },
          // A short grace period: the server in the image takes its time over SIGTERM, and this file has a time budget.
          template: { metadata: { labels: { app: 'db' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'k3ts.local/seed002:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } }],
        },
      };
      writeFileSync(join(dir, 'sts.json'), JSON.stringify(sts));
      ok(await kc(['apply', '-f', join(dir, 'sts.json')]), 'apply statefulset');
      ok(await kc(['rollout', 'status', 'statefulset/db', '--timeout=120s'], 150_000), 'rollout status');
      ok(await kc(['exec', 'db-0', '--', 'sh', '-c', 'echo kept > /data/file']), 'write into the volume');
      const firstUid = await jsonpath(['get', 'pod', 'db-0'], '{.metadata.uid}');
      // The file is in the node's local-path directory, where the claim's volume points.
      const volume = await jsonpath(['get', 'pvc', 'data-db-0'], '{.spec.volumeName}');
      const path = await jsonpath(['get', 'pv', volume], '{.spec.hostPath.path}');
      assert.equal(readFileSync(join(path, 'file'), 'utf8'), 'kept\n');
      ok(await kc(['delete', 'pod', 'db-0', '--wait=true'], 90_000), 'delete pod');
      await eventually('db-0 running again', 120_000, async () => {
        const r = await kc(['get', 'pod', 'db-0', '-o', 'jsonpath={.metadata.uid} {.status.phase}']);
        const [uid, phase] = r.stdout.split(' ');
        return r.code === 0 && uid !== firstUid && phase === 'Running' ? true : undefined;
      });
      assert.equal(ok(await kc(['exec', 'db-0', '--', 'cat', '/data/file']), 'read back'), 'kept\n');
      // Reclaim Delete: once the set and its claim are gone, the node removes the directory.
      ok(await kc(['delete', 'statefulset', 'db', '--wait=true'], 90_000), 'delete statefulset');
      ok(await kc(['delete', 'pvc', 'data-db-0', '--wait=true'], 90_000), 'delete pvc');
      await eventually('the volume directory removed', 60_000, async () => (!existsSync(path) ? true : undefined));
    });

    test('an image no registry has: ErrImagePull, then ImagePullBackOff, with the events kubectl describe shows', async () => {
      ok(await kc(['run', 'nope', '--image=127.0.0.1:9/nope:1', '--restart=Never']), 'run');
      const reasons = new Set<string>();
      await eventually('ErrImagePull and then ImagePullBackOff', 90_000, async () => {
        reasons.add(await jsonpath(['get', 'pod', 'nope'], '{.status.containerStatuses[0].state.waiting.reason}'));
        return reasons.has('ErrImagePull') && reasons.has('ImagePullBackOff') ? true : undefined;
      });
      const described = ok(await kc(['describe', 'pod', 'nope']), 'describe');
      assert.match(described, /Failed to pull image "127\.0\.0\.1:9\/nope:1"/);
      assert.match(described, /Back-off pulling image "127\.0\.0\.1:9\/nope:1"/);
      assert.match(ok(await kc(['get', 'pod', 'nope']), 'get'), /nope\s+0\/1\s+(ErrImagePull|ImagePullBackOff)\s/);
      ok(await kc(['delete', 'pod', 'nope', '--wait=true']), 'delete');
    });

    test('a command that does not exist: StartError with runc\'s reason, then CrashLoopBackOff', async () => {
      ok(await kc(['run', 'badcmd', '--image=k3ts.local/seed002:1', '--command', '--', '/no/such/program']), 'run');
      const state = await eventually('CrashLoopBackOff', 90_000, async () => {
        const s = await jsonpath(['get', 'pod', 'badcmd'], '{.status.containerStatuses[0].state.waiting.reason}|{.status.containerStatuses[0].lastState.terminated.reason}|{.status.containerStatuses[0].lastState.terminated.exitCode}|{.status.containerStatuses[0].lastState.terminated.message}');
        return s.startsWith('CrashLoopBackOff|') ? s : undefined;
      });
      const [, reason, code, message] = state.split('|');
      assert.equal(reason, 'StartError');
      assert.equal(code, '128');
      assert.match(message!, /no such file or directory/);
      ok(await kc(['delete', 'pod', 'badcmd', '--wait=true']), 'delete');
    });

    test('a memory limit is enforced: a container that goes over it is OOMKilled', async () => {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'hog' },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'c', image: 'k3ts.local/seed002:1', command: ['sh', '-c', 'x=a; while true; do x="$x$x"; done'], resources: { limits: { memory: '16Mi' } } }],
        },
      };
      writeFileSync(join(dir, 'hog.json'), JSON.stringify(pod));
      ok(await kc(['apply', '-f', join(dir, 'hog.json')]), 'apply');
      const ended = await eventually('the container to be killed', 90_000, async () => {
        const s = await jsonpath(['get', 'pod', 'hog'], '{.status.phase} {.status.containerStatuses[0].state.terminated.reason} {.status.containerStatuses[0].state.terminated.exitCode}');
        return s.startsWith('Failed') ? s : undefined;
      });
      assert.equal(ended, 'Failed OOMKilled 137');
    });

    test('probes and lifecycle hooks act on the real process: Ready follows readiness, a failed liveness restarts it, postStart and preStop run', async () => {
      const hooks = join(dir, 'hooks');
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'probed' },
        spec: {
          terminationGracePeriodSeconds: 5,
          volumes: [{ name: 'hooks', hostPath: { path: hooks, type: 'DirectoryOrCreate' } }],
          containers: [{
            name: 'web',
            image: 'k3ts.local/seed002:1',
            volumeMounts: [{ name: 'hooks', mountPath: '/hooks' }],
            lifecycle: {
              postStart: { exec: { command: ['sh', '-c', 'echo started >> /hooks/poststart'] } },
              preStop: { exec: { command: ['sh', '-c', 'echo bye > /hooks/prestop'] } },
            },
            readinessProbe: { exec: { command: ['test', '-f', '/hooks/ready'] }, periodSeconds: 1 },
            livenessProbe: { exec: { command: ['sh', '-c', 'test ! -f /hooks/sick'] }, periodSeconds: 1, failureThreshold: 1 },
          }],
        },
      };
      writeFileSync(join(dir, 'probed.json'), JSON.stringify(pod));
      ok(await kc(['apply', '-f', join(dir, 'probed.json')]), 'apply');
      const ready = () => jsonpath(['get', 'pod', 'probed'], '{.status.phase} {.status.containerStatuses[0].ready} {.status.containerStatuses[0].restartCount}');
      await eventually('Running, not Ready', 60_000, async () => ((await ready()) === 'Running false 0' ? true : undefined));
      assert.equal(readFileSync(join(hooks, 'poststart'), 'utf8'), 'started\n');
      writeFileSync(join(hooks, 'ready'), '');
      await eventually('Ready once the readiness probe passes', 30_000, async () => ((await ready()) === 'Running true 0' ? true : undefined));
      writeFileSync(join(hooks, 'sick'), '');
      await eventually('restarted after failing liveness', 60_000, async () => ((await ready()).endsWith(' 1') ? true : undefined));
      rmSync(join(hooks, 'sick'));
      const described = ok(await kc(['describe', 'pod', 'probed']), 'describe');
      assert.match(described, /Container web failed liveness probe, will be restarted/);
      assert.equal(readFileSync(join(hooks, 'prestop'), 'utf8'), 'bye\n', 'preStop ran before the liveness kill');
      assert.equal(readFileSync(join(hooks, 'poststart'), 'utf8'), 'started\nstarted\n', 'postStart ran for the new container');
      rmSync(join(hooks, 'prestop'));
      ok(await kc(['delete', 'pod', 'probed', '--wait=true'], 60_000), 'delete');
      assert.equal(readFileSync(join(hooks, 'prestop'), 'utf8'), 'bye\n', 'preStop ran before deletion');
    });

    test('containerd killed with SIGKILL comes back; the pods it ran keep running and new ones start', async () => {
      const agentDir = join(dataDir, 'agent-2', 'agent');
      const [pid] = containerdPidsFor(containerdPaths(agentDir).config);
      assert.ok(pid, 'agent-2 runs a containerd');
      process.kill(pid, 'SIGKILL');
      const ip = await jsonpath(['get', 'pods', '-l', 'app=test', '--field-selector', 'spec.nodeName=k3ts-agent-2'], '{.items[0].status.podIP}');
      assert.match(podGet('k3ts-agent-2', ip), /^Hello from k3ts-agent-2, visitor #\d+\n$/, 'the shim kept the container running');
      await eventually('containerd restarted', 30_000, async () => (containerdPidsFor(containerdPaths(agentDir).config).some((p) => p !== pid) ? true : undefined));
      ok(await kc(['scale', 'deployment/test', '--replicas=6']), 'scale');
      ok(await kc(['rollout', 'status', 'deployment/test', '--timeout=120s'], 150_000), 'rollout status');
      const restarts = await jsonpath(['get', 'pods', '-l', 'app=test'], '{.items[*].status.containerStatuses[0].restartCount}');
      assert.deepEqual(restarts.split(' '), ['0', '0', '0', '0', '0', '0']);
    });

    test('an agent killed with SIGKILL and started again takes over its containers instead of restarting them', async () => {
      const state = JSON.parse(readFileSync(join(dataDir, 'up.json'), 'utf8')) as { port: number; processes: Array<{ role: string; pid: number }>; network: UpNetwork };
      const agent = state.processes.find((p) => p.role === 'agent 1')!;
      const onAgent1 = async () => jsonpath(['get', 'pods', '-l', 'app=test', '--field-selector', 'spec.nodeName=k3ts-agent-1'], '{range .items[*]}{.status.podIP} {.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount}{"\\n"}{end}');
      const before = (await onAgent1()).trim().split('\n');
      assert.ok(before.length >= 1 && before[0] !== '', 'agent 1 runs seed-002 pods');
      process.kill(agent.pid, 'SIGKILL');
      const [ip] = before[0]!.split(' ');
      assert.match(podGet('k3ts-agent-1', ip!), /^Hello from k3ts-agent-1, visitor #\d+\n$/, 'the container outlives its agent');
      // The restarted node reads its registries.yaml again: now also a mirror name for the test registry.
      writeFileSync(join(dataDir, 'agent-1', 'registries.yaml'), `mirrors:\n  mirror.k3ts.test:\n    endpoint:\n      - http://${registry.host}\n${plainHttp}`);
      const node1 = state.network.nodes.find((n) => n.role === 'agent 1')!;
      // Started again as k3ts up started it; k3ts down finds it through the node's k3ts.pid.
      const log = openSync(join(dataDir, 'logs', 'agent-1-again.log'), 'a');
      const again = spawn('nsenter', [`--net=/var/run/netns/${node1.netns}`, '--', k3tsBin, 'agent', '--server', `https://${state.network.nodes[0]!.ip}:${state.port}`, '--token-file', join(dataDir, 'server', 'server', 'token'), '--data-dir', join(dataDir, 'agent-1'), '--node-ip', node1.ip, '--node-name', 'k3ts-agent-1', '--runtime', 'containerd'], { detached: true, stdio: ['ignore', log, log] });
      again.unref();
      closeSync(log);
      await eventually('agent 1 back and Ready', 60_000, async () => {
        const text = readFileSync(join(dataDir, 'logs', 'agent-1-again.log'), 'utf8');
        return /k3ts agent is running/.test(text) ? true : undefined;
      });
      const stoppedOld = readFileSync(join(dataDir, 'logs', 'agent-1-again.log'), 'utf8');
      assert.match(stoppedOld, /stopping the containerd a previous agent left running/);
      await sleep(3000);
      assert.deepEqual((await onAgent1()).trim().split('\n'), before, 'same addresses, same containers, no restarts');
    });

    test('an image pulled through a registries.yaml mirror, with the pull in the events', async () => {
      const image = `mirror.k3ts.test/${images.busyboxHttpd.slice(registry.host.length + 1)}`;
      ok(await kc(['run', 'mirrored', `--image=${image}`, '--overrides', JSON.stringify({ spec: { nodeName: 'k3ts-agent-1' } })]), 'run');
      await eventually('mirrored Running', 60_000, async () => ((await jsonpath(['get', 'pod', 'mirrored'], '{.status.phase}')) === 'Running' ? true : undefined));
      const events = ok(await kc(['get', 'events', '--field-selector', 'involvedObject.name=mirrored', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']), 'events');
      assert.match(events, new RegExp(`Pulling: Pulling image "${image.replace(/[.]/g, '\\.')}"`));
      assert.match(events, /Pulled: Successfully pulled image "mirror\.k3ts\.test\/\S+" in [\d.]+m?s \([\d.]+m?s including waiting\)\. Image size: [1-9]\d+ bytes\./);
      const ip = await jsonpath(['get', 'pod', 'mirrored'], '{.status.podIP}');
      assert.equal(podGet('k3ts-agent-1', ip), 'hello\n');
      // httpd as PID 1 has no SIGTERM handler, so it would sit out the 30 s grace period.
      ok(await kc(['delete', 'pod', 'mirrored', '--wait=true', '--grace-period=1']), 'delete');
    });

    test('a registry that wants a login: a wrong pull secret is ErrImagePull with the registry\'s reason, the right one pulls', async () => {
      const priv = await LocalRegistry.start({ auth: { username: 'k3ts', password: 'right' }, address: gateway, port: Number(privateHost.split(':')[1]) });
      try {
        const image = (await ensureTestImages(priv)).busyboxHttpd;
        for (const [name, password] of [['wrong', 'nope'], ['right', 'right']]) {
          ok(await kc(['create', 'secret', 'docker-registry', name, `--docker-server=${priv.host}`, '--docker-username=k3ts', `--docker-password=${password}`]), 'create secret');
        }
        const podWith = (secret: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `private-${secret}` }, spec: { imagePullSecrets: [{ name: secret }], containers: [{ name: 'web', image }] } });
        writeFileSync(join(dir, 'private-wrong.json'), podWith('wrong'));
        ok(await kc(['apply', '-f', join(dir, 'private-wrong.json')]), 'apply');
        const waiting = await eventually('ErrImagePull', 60_000, async () => {
          const w = await jsonpath(['get', 'pod', 'private-wrong'], '{.status.containerStatuses[0].state.waiting.reason}|{.status.containerStatuses[0].state.waiting.message}');
          return w.startsWith('ErrImagePull|') ? w : undefined;
        });
        assert.match(waiting, /401 Unauthorized|unauthorized/i);
        writeFileSync(join(dir, 'private-right.json'), podWith('right'));
        ok(await kc(['apply', '-f', join(dir, 'private-right.json')]), 'apply');
        await eventually('private-right Running', 60_000, async () => ((await jsonpath(['get', 'pod', 'private-right'], '{.status.phase}')) === 'Running' ? true : undefined));
        ok(await kc(['delete', 'pod', 'private-wrong', 'private-right', '--wait=true', '--grace-period=1']), 'delete');
      } finally {
        await priv.stop();
      }
    });

    test('k3ts down removes every process, mount, bridge, veth and cgroup the cluster made', async () => {
      const down = ok(await exec(k3tsBin, ['down', '--data-dir', dataDir], {}, 120_000), 'down');
      assert.match(down, /stopped agent 2, server; removed/, 'agent 1 is the one the test started again');
      assert.deepEqual(leftovers(dataDir), []);
      // Another test's cluster may come and go meanwhile: its bridges are not ours to count.
      const others = (names: string[]) => names.filter((n) => !n.startsWith('k3up'));
      assert.deepEqual(others(bridges()), others(bridgesBefore));
      assert.equal(bridges().includes(network.bridge), false, 'the nodes\' bridge is gone');
      assert.equal(readdirSync('/sys/class/net').filter((n) => n.startsWith('veth')).length, vethsBefore, 'no pod veth left');
      // cgroup v1 keeps one tree per controller, v2 one tree. Only this cluster's nodes: another
      // test's cluster may be running beside this one.
      const ours = ['server', 'agent-1', 'agent-2'].map((n) => cgroupParentFor(join(dataDir, n, 'agent')));
      for (const root of ['/sys/fs/cgroup/pids', '/sys/fs/cgroup']) {
        assert.deepEqual(ours.filter((c) => existsSync(join(root, c))), [], `node cgroups left in ${root}`);
      }
      assert.equal(existsSync(dataDir), false);
      const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
      assert.deepEqual(network.nodes.filter((n) => namespaces.includes(n.netns)), [], 'no node namespace left');
      dataDir = '';
    });
  });
}
