import type { FileChange } from '../targets/file-batch.js';
import type { Target } from '../targets/target.js';
import { recordChanges, writeRecords } from './pending-refresh.js';

/** Written in the guest after a clean provision: the inputs hash it was made from. */
export const PROVISIONED_MARKER = '/var/lib/devenv/provisioned';

export async function readProvisionedMarker(target: Target): Promise<string | undefined> {
  const marker = await target.exec(['cat', PROVISIONED_MARKER]);
  return marker.exitCode === 0 ? marker.stdout.trim() : undefined;
}

/** The marker as file changes (to share a round trip with the last record of a provision). */
export function provisionedMarkerChanges(inputsHash: string): FileChange[] {
  return recordChanges(PROVISIONED_MARKER, `${inputsHash}\n`);
}

/** One round trip: this runs at the end of every clean provision. */
export function writeProvisionedMarker(target: Target, inputsHash: string): Promise<void> {
  return writeRecords(target, provisionedMarkerChanges(inputsHash), `write ${PROVISIONED_MARKER} on ${target.describe().name}`);
}
