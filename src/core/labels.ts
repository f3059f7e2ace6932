/**
 * Labels on everything devenv creates in an engine (containers, images,
 * volumes), so it can find (and clean) its own things again. Here, below every
 * stage, because the box builders label images and the backends containers.
 */
export const LABEL = {
  managed: 'devenv.managed',
  project: 'devenv.project',
  profile: 'devenv.profile',
  inputs: 'devenv.inputs',
  box: 'devenv.box',
  boxHash: 'devenv.box.hash',
  test: 'devenv.test',
  /** One machine of a `machines:` profile (its containers and saved images). */
  machine: 'devenv.machine',
  /** The private network a `machines:` profile's machines share. */
  network: 'devenv.network',
} as const;
