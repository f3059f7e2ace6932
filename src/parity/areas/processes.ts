import { type ParityArea } from './area.js';

/**
 * Processes are not compared (pids and arguments differ on every machine); the
 * checklist reads them. Listed so that every fact area has its parity entry.
 */
export const processesParity: ParityArea = { report: 'none', errorLevel: false };
