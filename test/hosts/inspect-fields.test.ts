/**
 * The field table (`inspect-fields.ts`) against the inspect schema and real engine output: every field the
 * engine's inspect type names is treated, refused settings are named with the reason, copied ones reach the
 * target's create request.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { networksOf, portsOf, toContainerInfo, toCreateBody } from '../../provider/hosts/engine-api';
import {
  carryProblems,
  copiedFields,
  FIELDS_DOC_MARK,
  fieldsTableMarkdown,
  INSPECT_FIELDS,
  isUnset,
} from '../../provider/hosts/inspect-fields';
import { INSPECT_SECTIONS, inspectSchema, type RawInspect } from '../../provider/hosts/inspect-schema';

/** A real inspect of a dirtier container, from the bed's Docker 20.10.24 engine (API 1.41). */
const REAL: unknown = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'inspect-docker-20.10.json'), 'utf8'),
);

const base = (): RawInspect => inspectSchema.parse(REAL);

describe('the field table', () => {
  it.each(Object.keys(INSPECT_SECTIONS) as (keyof typeof INSPECT_SECTIONS)[])(
    'treats exactly the fields the inspect schema names in %s',
    (section) => {
      const schemaFields = Object.keys(INSPECT_SECTIONS[section].shape).sort();
      expect(Object.keys(INSPECT_FIELDS[section]).sort()).toEqual(schemaFields);
    },
  );

  it('knows every field of a real 20.10 inspect, and finds nothing to refuse in a plain container', () => {
    const raw = base();
    for (const section of Object.keys(INSPECT_SECTIONS) as (keyof typeof INSPECT_SECTIONS)[])
      for (const field of Object.keys((REAL as Record<string, object>)[section] ?? {}))
        expect(`${section}.${field}: ${INSPECT_FIELDS[section][field]?.kind ?? 'UNKNOWN'}`).not.toMatch(
          /UNKNOWN/,
        );
    expect(carryProblems(raw)).toEqual([]);
    expect(toContainerInfo(raw).carryProblems).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['Privileged', { Privileged: true }, 'HostConfig.Privileged'],
    ['PidMode host', { PidMode: 'host' }, 'HostConfig.PidMode'],
    ['IpcMode host', { IpcMode: 'host' }, 'HostConfig.IpcMode'],
    ['IpcMode private (allowed)', { IpcMode: 'private' }, undefined],
    ['IpcMode shareable (allowed)', { IpcMode: 'shareable' }, undefined],
    ['Runtime runsc', { Runtime: 'runsc' }, 'HostConfig.Runtime'],
    ['Runtime runc (allowed)', { Runtime: 'runc' }, undefined],
    ['AutoRemove', { AutoRemove: true }, 'HostConfig.AutoRemove'],
    ['Devices', { Devices: [{ PathOnHost: '/dev/fuse' }] }, 'HostConfig.Devices'],
    ['Links', { Links: ['/db:/web/db'] }, 'HostConfig.Links'],
    ['VolumesFrom', { VolumesFrom: ['data'] }, 'HostConfig.VolumesFrom'],
    ['PublishAllPorts', { PublishAllPorts: true }, 'HostConfig.PublishAllPorts'],
    ['a field newer than the table, set', { FutureKnob: 3 }, 'HostConfig.FutureKnob'],
    ['a field newer than the table, unset', { FutureKnob: null }, undefined],
  ])('%s', (_, hostConfig, refusedField) => {
    const raw = base();
    const problems = carryProblems({ ...raw, HostConfig: { ...raw.HostConfig, ...hostConfig } });
    expect(problems.map((p) => p.field)).toEqual(refusedField === undefined ? [] : [refusedField]);
    for (const p of problems) expect(p.why.length).toBeGreaterThan(10);
  });

  it.each([[undefined], [null], [''], [0], [false], [[]], [{}]])('%j is unset', (v) => {
    expect(isUnset(v)).toBe(true);
  });
});

describe('carrying the settings', () => {
  const raw = (): RawInspect => {
    const r = base();
    return {
      ...r,
      Config: { ...r.Config, Healthcheck: { Test: ['CMD', 'true'], Interval: 1e9 }, StopTimeout: 30 },
      HostConfig: {
        ...r.HostConfig,
        NetworkMode: 'appnet',
        CapAdd: ['NET_ADMIN'],
        Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
        Sysctls: { 'net.core.somaxconn': '1024' },
        ShmSize: 134217728,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
        PortBindings: {
          '6379/tcp': [{ HostIp: '', HostPort: '6379' }],
          '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
        },
      },
      NetworkSettings: {
        ...r.NetworkSettings,
        Networks: {
          appnet: { Aliases: ['cache', r.Id.slice(0, 12), r.Config!.Hostname!], IPAddress: '172.18.0.2' },
        },
      },
    };
  };

  it('copies what the table says to copy, and the create request carries it beside the typed fields', () => {
    const c = copiedFields(raw());
    expect(c.hostConfig).toMatchObject({ CapAdd: ['NET_ADMIN'], ShmSize: 134217728 });
    expect(c.config).toMatchObject({ StopTimeout: 30 });
    expect(Object.keys(c.hostConfig)).not.toContain('Memory');
    const body = toCreateBody(toContainerInfo(raw()).spec);
    expect(body).toMatchObject({
      Healthcheck: { Test: ['CMD', 'true'], Interval: 1e9 },
      StopTimeout: 30,
      Cmd: ['/bin/dirtier', '--mib', '64', '--dirty-mib-s', '4', '--verify-every', '10'],
      ExposedPorts: { '6379/tcp': {}, '53/udp': {} },
      NetworkingConfig: { EndpointsConfig: { appnet: { Aliases: ['cache'] } } },
      HostConfig: {
        NetworkMode: 'appnet',
        CapAdd: ['NET_ADMIN'],
        Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
        Sysctls: { 'net.core.somaxconn': '1024' },
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
        PortBindings: {
          '6379/tcp': [{ HostIp: '', HostPort: '6379' }],
          '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
        },
      },
    });
  });

  it('reads port bindings (every address when HostIp is empty) and skips unpublished ports', () => {
    expect(
      portsOf({
        '6379/tcp': [
          { HostIp: '0.0.0.0', HostPort: '6379' },
          { HostIp: '::', HostPort: '6379' },
        ],
        '80/tcp': null,
        '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
      }),
    ).toEqual([
      { internal: 6379, external: 6379, protocol: 'tcp' },
      { internal: 53, external: 5353, protocol: 'udp', ip: '127.0.0.1' },
    ]);
    expect(portsOf(null)).toBeUndefined();
  });

  it('lists user-defined networks with the user-given aliases only', () => {
    expect(networksOf(raw())).toEqual([{ name: 'appnet', aliases: ['cache'] }]);
    expect(networksOf(base())).toBeUndefined();
  });
});

describe('docs/container-fields.md', () => {
  it('is the table (rewrite it with npm run fields-table)', () => {
    const page = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'container-fields.md'), 'utf8');
    const at = page.indexOf(FIELDS_DOC_MARK);
    expect(at).toBeGreaterThan(0);
    expect(page.slice(at + FIELDS_DOC_MARK.length)).toBe(fieldsTableMarkdown());
  });
});
