import { describe, expect, it } from 'vitest';
import { shortImageName, shortImageNames } from '../../../src/box/image.js';

describe('shortImageName', () => {
  it('keeps the names Docker reports', () => {
    expect(shortImageName('devenv-box/debian-12:4e5450d8357bf906')).toBe('devenv-box/debian-12:4e5450d8357bf906');
    expect(shortImageName('devenv-cache/mysite:2-abc')).toBe('devenv-cache/mysite:2-abc');
    expect(shortImageName('<none>:<none>')).toBe('<none>:<none>');
  });

  it('strips the default registries Podman puts in front (import/commit: docker.io, load: localhost)', () => {
    expect(shortImageName('docker.io/devenv-box/debian-12:4e5450d8357bf906')).toBe('devenv-box/debian-12:4e5450d8357bf906');
    expect(shortImageName('localhost/devenv-box/debian-12:4e5450d8357bf906')).toBe('devenv-box/debian-12:4e5450d8357bf906');
    expect(shortImageName('docker.io/devenv-cache/mysite:1-abc')).toBe('devenv-cache/mysite:1-abc');
    expect(shortImageName('docker.io/library/debian:12')).toBe('debian:12');
  });

  it('keeps other registries, and names that only look alike', () => {
    expect(shortImageName('registry.example.com/devenv-box/debian-12:x')).toBe('registry.example.com/devenv-box/debian-12:x');
    expect(shortImageName('localhost:5000/devenv-box/debian-12:x')).toBe('localhost:5000/devenv-box/debian-12:x');
    expect(shortImageName('localhostfoo/devenv-box/debian-12:x')).toBe('localhostfoo/devenv-box/debian-12:x');
    expect(shortImageName('docker.io/')).toBe('docker.io/');
  });

  it('maps every RepoTag of an image, and an image without tags to none', () => {
    expect(shortImageNames({ RepoTags: ['localhost/devenv-box/a:1', 'devenv-box/a:2'] })).toEqual(['devenv-box/a:1', 'devenv-box/a:2']);
    expect(shortImageNames({ RepoTags: null })).toEqual([]);
    expect(shortImageNames({})).toEqual([]);
  });
});
