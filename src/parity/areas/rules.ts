import type { Severity, SeverityContext } from '../severity.js';

/** The shapes of a severity rule, for the drift topics each parity area declares (severity.ts puts them together). */
export type Rule = (ctx: SeverityContext) => Severity;
export type Rules = Record<string, Rule>;

export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export const always = (severity: Severity) => (): Severity => severity;
/** Info when the actual side is a container (the host owns it there), warning otherwise. */
export const hostOwned = (ctx: SeverityContext): Severity => (ctx.actualIsContainer ? 'info' : 'warning');
/** Info when the two sides are different kinds of machine, else the given severity. */
export const unlessMachineKindDiffers =
  (severity: Severity) =>
  (ctx: SeverityContext): Severity =>
    ctx.virtualizationDiffers || ctx.actualIsContainer ? 'info' : severity;
/** Info when a side is a Vagrant machine (the box's own plumbing), else the given severity. */
export const unlessVagrantMachine =
  (severity: Severity) =>
  (ctx: SeverityContext): Severity =>
    ctx.vagrantMachine ? 'info' : severity;
