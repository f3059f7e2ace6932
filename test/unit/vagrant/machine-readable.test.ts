import { describe, expect, it } from 'vitest';
import { MachineReadableParser, parseMachineReadable, parseMachineReadableLine, progressText } from '../../../src/backends/vagrant/machine-readable.js';

const STATUS = [
  '1700000000,default,metadata,provider,docker',
  '1700000000,default,provider-name,docker',
  '1700000000,default,state,running',
  '1700000000,default,state-human-short,running',
  '1700000000,,ui,info,Current machine states:\\n\\ndefault                   running (docker)',
].join('\n');

describe('machine-readable output', () => {
  it('parses status into typed events', () => {
    const events = parseMachineReadable(STATUS);
    expect(events).toHaveLength(5);
    expect(events[0]).toEqual({ timestamp: 1700000000, target: 'default', type: 'other', name: 'metadata', data: ['provider', 'docker'] });
    expect(events[1]).toEqual({ timestamp: 1700000000, target: 'default', type: 'provider-name', provider: 'docker' });
    expect(events[2]).toEqual({ timestamp: 1700000000, target: 'default', type: 'state', state: 'running' });
    expect(events[4]).toMatchObject({ type: 'ui', level: 'info', message: 'Current machine states:\n\ndefault                   running (docker)' });
  });

  it('unescapes commas and newlines in data', () => {
    const event = parseMachineReadableLine(
      "1795441905,,error-exit,Vagrant::Errors::ProviderNotUsable,The provider 'virtualbox' isn't usable%!(VAGRANT_COMMA) see below:\\nVBoxManage missing",
    );
    expect(event).toEqual({
      timestamp: 1795441905,
      target: '',
      type: 'error-exit',
      errorClass: 'Vagrant::Errors::ProviderNotUsable',
      message: "The provider 'virtualbox' isn't usable, see below:\nVBoxManage missing",
    });
  });

  it('ignores lines that are not events', () => {
    expect(parseMachineReadableLine('')).toBeUndefined();
    expect(parseMachineReadableLine('Bringing machine up')).toBeUndefined();
    expect(parseMachineReadableLine('abc,default,state,running')).toBeUndefined();
  });

  it('reassembles lines split across chunks', () => {
    const events: string[] = [];
    const parser = new MachineReadableParser((e) => events.push(e.type === 'state' ? e.state : e.type));
    const text = `${STATUS}\n1700000001,default,state,stopped`;
    for (let i = 0; i < text.length; i += 7) parser.push(text.slice(i, i + 7));
    parser.end();
    expect(events).toEqual(['other', 'provider-name', 'running', 'other', 'ui', 'stopped']);
  });

  it('turns ui events into short progress lines', () => {
    const line = (s: string) => parseMachineReadableLine(s)!;
    expect(progressText(line('1,default,ui,output,==> default: Starting container...'))).toBe('Starting container...');
    expect(progressText(line('1,default,ui,detail,    default:  \\n    default: Container created: be97b2dcf829fe6a'))).toBe(
      'Container created: be97b2dcf829fe6a',
    );
    expect(progressText(line('1,default,ui,detail,    default:   Name: devenv-x'))).toBe('Name: devenv-x');
    expect(progressText(line('1,default,state,running'))).toBeUndefined();
  });
});
