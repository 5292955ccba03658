/** `ferry testbed ...`: a thin layer over the test bed library (`testbed/`). */
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { formatDuration } from '../../provider/units';
import { resolveCluster } from '../address-plan';
import { inNetns } from '../daemon-config';
import { changeLink, formatStatus, loadTestbed, testbedDown, testbedStatus, testbedUp } from '..';
import { formatLinkSettings } from '../link-settings';
import { linkSettingsOf } from '../state';
import { TESTBED_USAGE, parseTestbedArgs } from './testbed-args';

const progress = (line: string): void => {
  process.stderr.write(`testbed: ${line}\n`);
};
const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/**
 * Runs `argv` in the network namespace of `cluster`'s host, with this terminal's stdio; resolves its exit
 * code (128 + n for a signal n).
 */
function execOnHost(cluster: string, argv: readonly string[]): Promise<number> {
  const plan = resolveCluster(cluster, loadTestbed().state.clusterCount);
  const child = spawn(inNetns(plan.netns, argv)[0]!, inNetns(plan.netns, argv).slice(1), {
    stdio: 'inherit',
  });
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`ferry testbed exec: ${e.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? osConstants.signals[signal] : 0)));
  });
}

/** Runs `ferry testbed <argv>`; resolves the exit code. */
export async function testbedCommand(argv: readonly string[]): Promise<number> {
  const cmd = parseTestbedArgs(argv);
  switch (cmd.kind) {
    case 'help':
      out(TESTBED_USAGE);
      return 0;
    case 'up': {
      const r = await testbedUp({
        ...(cmd.clusters !== undefined ? { clusters: cmd.clusters } : {}),
        ...cmd.settings,
        extraPorts: cmd.extraPorts,
        workloadImage: cmd.workload,
        onProgress: progress,
      });
      if (cmd.json)
        out(
          JSON.stringify(
            { elapsedSeconds: r.elapsed, paths: { ...r.paths }, state: r.state, clusters: r.clusters },
            null,
            2,
          ),
        );
      else {
        out(`test bed up in ${formatDuration(r.elapsed)}: ${r.state.clusterCount} clusters`);
        for (const l of r.state.links)
          out(
            `  ${l.id}: ${formatLinkSettings(linkSettingsOf(l))}${l.cut !== 'none' ? ` (cut: ${l.cut})` : ''}`,
          );
        out(`clusters file: ${r.paths.clustersFile}`);
        out(`ssh: ssh -F ${r.paths.sshConfig} ${r.clusters.clusters[0]?.hosts[0]?.address ?? '198.18.1.2'}`);
      }
      return 0;
    }
    case 'down': {
      const r = await testbedDown({ onProgress: progress });
      const clean = r.processes.length === 0 && r.mounts.length === 0 && r.other.length === 0;
      if (cmd.json) out(JSON.stringify({ elapsedSeconds: r.elapsed, ...r, clean }, null, 2));
      else
        out(
          clean
            ? `test bed down in ${formatDuration(r.elapsed)}; nothing left`
            : `test bed down with leftovers: ${[...r.other, ...r.mounts].join('; ')}`,
        );
      return clean ? 0 : 1;
    }
    case 'exec':
      return execOnHost(cmd.cluster, cmd.argv);
    case 'status': {
      const s = await testbedStatus({ measure: cmd.measure, onProgress: progress });
      out(cmd.json ? JSON.stringify(s, null, 2) : formatStatus(s));
      return s.healthy ? 0 : 1;
    }
    case 'link': {
      const l = await changeLink(cmd.a, cmd.b, {
        ...cmd.settings,
        ...(cmd.cut !== undefined ? { cut: cmd.cut } : {}),
      });
      if (cmd.json) out(JSON.stringify(l, null, 2));
      else
        out(`${l.id}: ${formatLinkSettings(linkSettingsOf(l))}${l.cut !== 'none' ? `, cut (${l.cut})` : ''}`);
      return 0;
    }
  }
}
