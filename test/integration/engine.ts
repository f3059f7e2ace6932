import Dockerode from 'dockerode';

/** Asks the engine directly (not through devenv) whether it answers. */
export async function engineAnswers(): Promise<boolean> {
  try {
    await Promise.race([new Dockerode().ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000))]);
    return true;
  } catch {
    return false;
  }
}

/** In CI (CI set), integration tests are required: a missing engine fails instead of skipping. */
export const integrationRequired = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
