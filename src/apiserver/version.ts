// What /version answers. kubectl's dispatcher picks its client from `minor`, so it must stay "32"
// for as long as we speak the 1.32 API.
import { arch, platform } from 'node:os';

export const kubernetesVersion = 'v1.32.0';
export const k3tsVersion = '0.1.0';
/** What nodes report as kubeletVersion (kubectl get nodes: VERSION), matching /version. */
export const kubeletVersion = `${kubernetesVersion}+k3ts`;

export function versionInfo() {
  return {
    major: '1',
    minor: '32',
    gitVersion: kubeletVersion,
    gitCommit: `k3ts-${k3tsVersion}`,
    gitTreeState: 'clean',
    buildDate: '2026-11-22T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${platform()}/${arch() === 'x64' ? 'amd64' : arch()}`,
  };
}
