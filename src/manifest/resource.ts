import type { FieldPath, YamlSource } from '../profile/yaml-source.js';
import type {
  AptAttrs,
  ExecAttrs,
  FileAttrs,
  GroupAttrs,
  PipAttrs,
  RelationKey,
  ResourceType,
  ServiceAttrs,
  UserAttrs,
  VenvAttrs,
} from './schema.js';

/** Where a resource was declared, so later errors (references, templates, cycles) can point at it. */
export interface ResourceOrigin {
  source: YamlSource;
  /** Folder that `source:` and `template:` paths are relative to. */
  dir: string;
  /** Field path of the resource inside its manifest: [type, name]. */
  path: FieldPath;
}

interface Common<T extends ResourceType, A> {
  type: T;
  name: string;
  /** "type:name", how relations refer to it. */
  ref: string;
  attrs: A;
  /** Explicit relations as written, each a "type:name" reference. */
  relations: Record<RelationKey, string[]>;
  origin: ResourceOrigin;
}

export type AptResource = Common<'apt', AptAttrs>;
export type GroupResource = Common<'group', GroupAttrs>;
export type UserResource = Common<'user', UserAttrs>;
export type VenvResource = Common<'venv', VenvAttrs>;
export type PipResource = Common<'pip', PipAttrs>;
export type FileResource = Common<'file', FileAttrs>;
export type ServiceResource = Common<'service', ServiceAttrs>;
export type ExecResource = Common<'exec', ExecAttrs>;

export type Resource =
  | AptResource
  | GroupResource
  | UserResource
  | VenvResource
  | PipResource
  | FileResource
  | ServiceResource
  | ExecResource;

export function refOf(type: string, name: string): string {
  return `${type}:${name}`;
}

/** The effective ensure of a file resource: a target implies a link, otherwise a file. */
export function fileEnsure(attrs: FileAttrs): 'file' | 'directory' | 'link' | 'absent' {
  return attrs.ensure ?? (attrs.target !== undefined ? 'link' : 'file');
}
