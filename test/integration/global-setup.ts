import { connectDocker } from '../../src/backends/docker/engine.js';
import { buildBox, findBoxImage } from '../../src/box/build.js';
import { bundledBoxesDir, loadBoxDefinition } from '../../src/box/definition.js';
import { Progress } from '../../src/core/progress.js';
import { engineAnswers, integrationRequired } from './engine.js';

/**
 * Runs once before all test files: when an engine answers (or CI requires one),
 * makes sure the debian-12 box image exists, so parallel test files never build it twice.
 */
export default async function setup(): Promise<void> {
  const hasEngine = await engineAnswers();
  if (!hasEngine) {
    if (integrationRequired) throw new Error('CI is set but no Docker engine answers: integration tests are required (start dockerd)');
    return;
  }
  const onlyUnit = process.argv.some((arg) => arg.includes('test/unit')) && !process.argv.some((arg) => arg.includes('integration'));
  if (onlyUnit) return;
  const docker = await connectDocker();
  const box = await loadBoxDefinition(`${bundledBoxesDir()}debian-12.yaml`);
  if (!(await findBoxImage(docker, box))) {
    process.stderr.write('building the debian-12 box for the integration tests (cached afterwards)…\n');
    await buildBox(docker, box, new Progress({ quiet: false }));
  }
}
